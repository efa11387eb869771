// paywit for edge runtimes (the `workerd`, `worker` and `edge-light` export
// conditions): the same API as src/index.js, with the core module imported as
// a module. See runtime-edge.js.
import './runtime-edge.js';

export * from './api.js';
