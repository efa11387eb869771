// paywit for JavaScript: the paywit component's core module run with bindings
// generated from its WIT (src/gen/, see CODEGEN.md): one namespace per WIT
// interface (`retry.classify`), the unambiguous names flat (`classify`), typed
// error classes, and the idiomatic webhook surface (`Verifier`, `verifyWebhook`).
// This entry loads the component from the package's files (Node.js, Deno);
// src/edge.js is the entry for runtimes that import wasm as a module.

import './runtime-node.js';

export * from './api.js';
// The framework adapters (hand-written): they read the raw body themselves,
// verify it and hand the handler a Delivery (src/delivery.js).
export { Delivery, BodyAlreadyReadError, BodyTooLargeError } from './delivery.js';
export { verifyWebhookRequest } from './fetch-adapter.js';
export { webhookMiddleware } from './node-middleware.js';
export { paywitFastify } from './fastify.js';
