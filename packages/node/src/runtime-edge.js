// Cloudflare Workers (workerd) and other edge runtimes: the core module is
// imported as a module, which the runtime (or its bundler) compiles ahead of
// time; nothing here touches the file system, `import.meta.url` or
// `WebAssembly.compile` of bytes, which Workers forbid.
import coreModule from '../gen/paywit.core.wasm';
import { install } from './runtime.js';

install(coreModule);
