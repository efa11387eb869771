// The public API's types. The WIT interfaces' types and functions are generated
// (src/gen/*.d.ts, from wit/ by `cargo xtask codegen`); the rest is hand-written.
export * from './gen/api.js';
export { PaywitError, InvalidArgumentError } from './errors.js';
export { Verifier, verifyWebhook, signWebhook, parseScheme } from './webhooks.js';
export type { SchemeName, SchemeInput, HeadersInput, BodyInput, VerifyWebhookOptions, SignWebhookOptions } from './webhooks.js';
export { LIMITS } from './limits.js';
// The framework adapters. Their option types are type-only re-exports (`export type *`).
export { Delivery, BodyAlreadyReadError, BodyTooLargeError } from './delivery.js';
export { verifyWebhookRequest } from './fetch-adapter.js';
export { webhookMiddleware } from './node-middleware.js';
export { paywitFastify } from './fastify.js';
export type * from './fetch-adapter.js';
export type * from './node-middleware.js';
export type * from './fastify.js';
