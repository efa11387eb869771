// Test support: every core instance of paywit's module made in this process,
// so a test can look at (or deliberately break) the guest memory behind the
// public API. Call `watchInstances()` before the package is imported. Every
// call (the generated bindings and the verify fast path) runs on the one current
// instance of src/runtime.js; `by` is kept for the tests' wording only.

export const made = [];

export function watchInstances() {
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Instance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget);
      if (instance.exports['paywit:gateway/webhooks@0.1.0#verify-packed']) made.push({ instance, by: 'core' });
      return instance;
    },
  });
}

/** The newest instance. */
export function latest() {
  const found = made.at(-1);
  if (!found) throw new Error('no instance yet');
  return found.instance;
}

/** The byte length of the newest instance's memory. */
export const memoryOf = () => latest().exports.memory.buffer.byteLength;

/** Grows the newest instance's memory as far as the engine lets it (4 GiB for wasm32). */
export function exhaustMemory() {
  const memory = latest().exports.memory;
  for (let pages = 16384; pages >= 1; pages >>= 1) {
    for (;;) {
      try { memory.grow(pages); } catch { break; }
    }
  }
  return memory.buffer.byteLength;
}
