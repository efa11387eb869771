// Test support: every core instance of paywit's module made in this process,
// so a test can look at (or deliberately break) the guest memory behind the
// public API. Call `watchInstances()` before the package is imported; each
// instance is tagged by who made it: 'glue' (jco's glue, gen/paywit.js) or
// 'fast' (the verify fast path, src/core-verify.js).

export const made = [];

export function watchInstances() {
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Instance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget);
      if (instance.exports['paywit:gateway/webhooks@0.1.0#verify-packed']) {
        made.push({ instance, by: new Error().stack.includes('/gen/paywit.js') ? 'glue' : 'fast' });
      }
      return instance;
    },
  });
}

/** The newest instance made by `by` ('glue' or 'fast'). */
export function latest(by) {
  const found = made.findLast((m) => m.by === by);
  if (!found) throw new Error(`no ${by} instance yet`);
  return found.instance;
}

/** The byte length of the newest `by` instance's memory. */
export const memoryOf = (by) => latest(by).exports.memory.buffer.byteLength;

/** Grows the newest `by` instance's memory as far as the engine lets it (4 GiB for wasm32). */
export function exhaustMemory(by) {
  const memory = latest(by).exports.memory;
  for (let pages = 16384; pages >= 1; pages >>= 1) {
    for (;;) {
      try { memory.grow(pages); } catch { break; }
    }
  }
  return memory.buffer.byteLength;
}
