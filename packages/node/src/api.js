// The public API: one module per WIT interface, and the errors.
export * from './errors.js';
export * from './webhooks.js';
export * from './idempotency.js';
export * from './retry.js';
export * from './lifecycle.js';
export * from './requests.js';
export * from './credentials.js';
export * from './reconciliation.js';
export * from './addresses.js';
export * from './alerts.js';
