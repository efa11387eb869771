// The public API's types. The WIT interfaces' types and functions are generated
// (src/gen/*.d.ts, from wit/ by `cargo xtask codegen`); the rest is hand-written.
export * from './gen/api.js';
export { PaywitError, InvalidArgumentError } from './errors.js';
export { Verifier, verifyWebhook, signWebhook, parseScheme } from './webhooks.js';
export type { SchemeName, SchemeInput, HeadersInput, BodyInput, VerifyWebhookOptions, SignWebhookOptions } from './webhooks.js';
export { LIMITS } from './limits.js';
