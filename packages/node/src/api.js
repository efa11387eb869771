// The public API: every WIT interface as a namespace and its unambiguous names
// flat (generated: src/gen/api.js), the errors' base classes, the idiomatic
// webhook surface, and the input limits.
export * from './gen/api.js';
export { PaywitError, InvalidArgumentError } from './errors.js';
export { Verifier, verifyWebhook, signWebhook, parseScheme } from './webhooks.js';
export { LIMITS } from './limits.js';
