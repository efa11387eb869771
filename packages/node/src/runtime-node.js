// Node.js and Deno: the core module read from the package's own files and
// compiled synchronously (both allow compiling wasm from bytes).
import { readFileSync } from 'node:fs';
import { install } from './runtime.js';

install(new WebAssembly.Module(readFileSync(new URL('../gen/paywit.core.wasm', import.meta.url))));
