// paywit for JavaScript: thin, idiomatic wrappers over the paywit component
// (transpiled by jco into ../gen). Every answer comes from the component; the
// modules only adapt shapes: names and strings for schemes, plain objects or
// \`Headers\` for headers, numbers instead of BigInt where the value is safe,
// and typed error classes instead of raw \`ComponentError\` payloads. One module
// per WIT interface (src/<interface>.js), plus errors.js; every argument is
// checked against the WIT types (abi.js) before it reaches the component.
// This entry loads the component from the package's files (Node.js, Deno);
// src/edge.js is the entry for runtimes that import wasm as a module.

import './runtime-node.js';

export * from './api.js';
