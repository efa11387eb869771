// The one place that holds the component: its compiled core module, jco's
// glue instantiated over it, and a second instance of the same module for the
// verify fast path. The entry point installs it: src/index.js from the file
// (Node, Deno), src/edge.js from a module import (Cloudflare Workers and other
// runtimes that forbid compiling wasm from bytes). Instantiation is synchronous
// everywhere (jco `--instantiation sync`), so every wrapper stays synchronous.

import { instantiate } from '../gen/paywit.js';
import { random } from './random.js';

let installed;

/** Installs the component from its compiled core module (a `WebAssembly.Module`). */
export function install(coreModule) {
  if (!(coreModule instanceof WebAssembly.Module)) throw new TypeError('paywit needs the core module as a WebAssembly.Module');
  const glue = instantiate(() => coreModule, { 'wasi:random/random': random });
  installed = { module: coreModule, glue };
}

/** The installed component: `{ module, glue }`. */
export function runtime() {
  if (!installed) throw new Error("paywit's component is not loaded: import 'paywit' (or 'paywit/edge'), not its inner modules");
  return installed;
}
