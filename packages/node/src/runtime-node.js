// Node.js, Deno and Bun: the core module read from the package's own files and
// compiled synchronously (all three allow compiling wasm from bytes), on the
// first call rather than at import: importing paywit reads and compiles nothing.
import { readFileSync } from 'node:fs';
import { installLazily } from './runtime.js';

const CORE_MODULE = new URL('../gen/paywit.core.wasm', import.meta.url);

installLazily(() => {
  let bytes;
  try {
    bytes = readFileSync(CORE_MODULE);
  } catch (error) {
    throw new Error(`paywit: cannot read its core module ${CORE_MODULE.pathname} (${error.code ?? error.message}); reinstall paywit`);
  }
  try {
    return new WebAssembly.Module(bytes);
  } catch (error) {
    throw new Error(`paywit: ${CORE_MODULE.pathname} is not a valid core module (${error.message}); reinstall paywit`);
  }
});
