// The one place that holds the component: its compiled core module, jco's
// glue instantiated over it, and a second instance of the same module for the
// verify fast path. The entry point installs it: src/index.js from the file
// (Node, Deno), src/edge.js from a module import (Cloudflare Workers and other
// runtimes that forbid compiling wasm from bytes). Instantiation is synchronous
// everywhere (jco `--instantiation sync`), so every wrapper stays synchronous.
//
// An instance is replaced, never reused, after a trap or any other error thrown
// from inside the guest (its memory and jco's task bookkeeping are then in an
// unknown state; jco refuses every later call after a trap), and after a call
// that left its memory larger than RETAIN_LIMIT (one large input must not keep
// its memory for the life of the process). Instantiating the compiled module
// again is cheap and allowed everywhere, Workers included.

import { instantiate } from '../gen/paywit.js';
import { random } from './random.js';

/** An instance whose memory one call grew past this is replaced after that call (32 MiB, as in Python). */
export const RETAIN_LIMIT = 32 << 20;

let installed;

/** Installs the component from its compiled core module (a `WebAssembly.Module`). */
export function install(coreModule) {
  if (!(coreModule instanceof WebAssembly.Module)) throw new TypeError('paywit needs the core module as a WebAssembly.Module');
  installed = { module: coreModule };
  instantiateGlue();
}

function instantiateGlue() {
  let core;
  const glue = instantiate(() => installed.module, { 'wasi:random/random': random }, (module, imports) => {
    core = new WebAssembly.Instance(module, imports);
    return core;
  });
  installed.glue = glue;
  installed.glueMemory = core.exports.memory;
}

/** The installed component: `{ module, glue }` (`glue` changes when an instance is replaced). */
export function runtime() {
  if (!installed) throw new Error("paywit's component is not loaded: import 'paywit' (or 'paywit/edge'), not its inner modules");
  return installed;
}

/**
 * Calls jco's `iface.name` with `args` (already checked). A component error
 * (jco's ComponentError, with its `payload`) is an answer and leaves the glue
 * in place; anything else thrown from inside (a trap, an import that threw)
 * replaces the glue before it is rethrown, as does a call that left the
 * guest's memory over RETAIN_LIMIT.
 */
export function callGlue(iface, name, args) {
  const current = runtime();
  const { glue, glueMemory } = current;
  const fn = glue[iface]?.[name];
  if (typeof fn !== 'function') throw new Error(`the jco bindings lack ${iface}.${name}: rebuild the package`);
  try {
    return fn(...args);
  } catch (error) {
    if (!isComponentError(error) && current.glue === glue) instantiateGlue();
    throw error;
  } finally {
    if (current.glue === glue && glueMemory.buffer.byteLength > RETAIN_LIMIT) instantiateGlue();
  }
}

/** Whether `error` is jco's ComponentError: an `err` the component returned (it always has its own `payload`). */
const isComponentError = (error) => typeof error === 'object' && error !== null && Object.prototype.hasOwnProperty.call(error, 'payload');

/**
 * A fresh instance of the core module for the verify fast path; it imports
 * only get-random-u64 (see src/component/mod.rs).
 */
export function coreInstance() {
  return new WebAssembly.Instance(runtime().module, {
    'wasi:random/random@0.2.0': { 'get-random-u64': () => globalThis.crypto.getRandomValues(new BigUint64Array(1))[0] },
  });
}
