// paywit for edge runtimes (the `workerd`, `worker` and `edge-light` export
// conditions): the same API as src/index.js, with the core module imported as
// a module. See runtime-edge.js.
import './runtime-edge.js';

export * from './api.js';
// The framework adapters: verifyWebhookRequest is the one for edge runtimes (Workers,
// Deno, Bun, Hono, Next.js); the others are exported too (none needs Node's
// modules), so both entries have the exports src/index.d.ts declares.
export { Delivery, BodyAlreadyReadError, BodyTooLargeError } from './delivery.js';
export { verifyWebhookRequest } from './fetch-adapter.js';
export { webhookMiddleware } from './node-middleware.js';
export { paywitFastify } from './fastify.js';
