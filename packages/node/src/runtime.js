// The one place that holds the component: its compiled core module and the
// instance every call runs on. The generated modules (src/gen/, one per WIT
// interface) lower their arguments into this instance's memory, call its core
// exports and lift the answers; src/core-verify.js (the verify fast path) uses
// the same instance. The entry point installs the module: src/index.js a loader
// that reads and compiles the file on the first call (Node, Deno, Bun), so an
// import compiles nothing; src/edge.js the module a module import gave (Cloudflare
// Workers and other runtimes that forbid compiling wasm from bytes). Everything
// is synchronous.
//
// An instance is replaced, never reused, after anything thrown from inside the
// guest (a trap leaves its memory in an unknown state), and after a call that
// left its memory larger than RETAIN_LIMIT (one large input must not keep its
// memory for the life of the process). Instantiating the compiled module again
// is cheap and allowed everywhere, Workers included.
//
// The generated modules embed the WIT digest they were generated from; gen/abi.js
// (written by `cargo xtask build` beside the component) carries the component's.
// A module whose digest differs refuses to load: a component built from a changed
// WIT never runs under stale bindings.

import manifest from '../gen/abi.js';

/** An instance whose memory one call grew past this is replaced after that call (32 MiB, as in Python). */
export const RETAIN_LIMIT = 32 << 20;

/** The component's WIT digest (from gen/abi.js). */
export const COMPONENT_DIGEST = manifest.digest;

const encoder = new TextEncoder();
// fatal: invalid UTF-8 from the guest is a guest fault (see `text`), never replaced by U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Throws unless `digest` (a generated module's) is the component's. */
export function checkDigest(digest, componentDigest = COMPONENT_DIGEST) {
  if (digest !== componentDigest) {
    throw new Error(
      `paywit: the component (gen/abi.js, WIT digest ${componentDigest}) was not built from the WIT these bindings were generated from (digest ${digest}); ` +
        'run `cargo xtask codegen` and `cargo xtask build` so both come from the same wit/',
    );
  }
}

const needed = new Set();

/** Called by each generated module at load: its digest (checked now) and the core exports it calls. */
export function register(digest, core) {
  checkDigest(digest);
  for (const name of core) needed.add(name);
  if (compiled) checkExports(compiled);
}

function checkExports(module) {
  const have = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of ['memory', 'cabi_realloc', ...needed]) {
    if (!have.has(name)) throw new Error(`paywit: the core module lacks the export ${name}: rebuild the package (cargo xtask build)`);
  }
}

let compiled;
/** @type {(() => WebAssembly.Module) | undefined} */
let loader;
let current;

/** wasi:random/random@0.2.0, the core module's only import (get-random-u64 only: see src/component/mod.rs). */
const imports = {
  'wasi:random/random@0.2.0': {
    'get-random-u64': () => globalThis.crypto.getRandomValues(new BigUint64Array(1))[0],
  },
};

/** Installs the component from its compiled core module (a `WebAssembly.Module`). */
export function install(coreModule) {
  if (!(coreModule instanceof WebAssembly.Module)) throw new TypeError('paywit needs the core module as a WebAssembly.Module');
  checkExports(coreModule);
  compiled = coreModule;
  loader = undefined;
  current = undefined;
}

/**
 * Installs the component lazily: `load` (which returns the compiled core module) runs on the
 * first call that needs an instance, not at import. A load that fails throws from that call
 * and runs again on the next one.
 */
export function installLazily(load) {
  compiled = undefined;
  loader = load;
  current = undefined;
}

/** The compiled core module, loaded (and its exports checked) on first use. */
function coreModule() {
  if (compiled) return compiled;
  if (!loader) throw new Error("paywit's component is not loaded: import 'paywit', not its inner modules");
  const loaded = loader();
  if (!(loaded instanceof WebAssembly.Module)) throw new TypeError('paywit needs the core module as a WebAssembly.Module');
  checkExports(loaded);
  compiled = loaded;
  loader = undefined;
  return compiled;
}

/** One instance of the core module and the canonical-ABI helpers over its memory. */
export class Instance {
  constructor(module) {
    const instance = new WebAssembly.Instance(module, imports);
    /** The core exports (`inst.e[name](...)` in the generated modules). @type {Record<string, any>} */
    this.e = instance.exports;
    /** @type {WebAssembly.Memory} */
    this.memory = this.e.memory;
    /** `cabi_realloc(old, oldSize, align, newSize)`. @type {(ptr: number, oldSize: number, align: number, size: number) => number} */
    this.realloc = this.e.cabi_realloc;
    /** The byte length of the last `str`/`bytes`. */
    this.len = 0;
    /** @type {ArrayBuffer | null} */
    this.buffer = null;
    /** @type {DataView | null} */
    this.dataView = null;
  }

  /** A DataView of the whole memory (a new one only after the memory grew). */
  view() {
    const buffer = this.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.dataView = new DataView(buffer);
    }
    return this.dataView;
  }

  /** A fresh guest block (unsigned pointer: wasm32 memory may pass 2 GiB). */
  alloc(size, align) {
    if (size === 0) return align;
    return this.realloc(0, 0, align, size) >>> 0;
  }

  /** `text` as UTF-8 in a fresh block of exactly its length; the length in `this.len`. */
  str(text) {
    const units = text.length;
    if (units === 0) {
      this.len = 0;
      return 1;
    }
    let ptr = this.realloc(0, 0, 1, units) >>> 0;
    const { read, written } = encoder.encodeInto(text, new Uint8Array(this.memory.buffer, ptr, units));
    let length = written;
    if (read < units) {
      // Not ASCII: room for the rest at 3 bytes per UTF-16 unit, then shrunk to what was written.
      const capacity = written + (units - read) * 3;
      ptr = this.realloc(ptr, units, 1, capacity) >>> 0;
      length += encoder.encodeInto(text.slice(read), new Uint8Array(this.memory.buffer, ptr + written, capacity - written)).written;
      if (length !== capacity) ptr = this.realloc(ptr, capacity, 1, length) >>> 0;
    }
    this.len = length;
    return ptr;
  }

  /** `bytes` (Uint8Array or ArrayBuffer) copied once into a fresh block; the length in `this.len`. */
  bytes(bytes) {
    const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    const n = view.length;
    this.len = n;
    if (n === 0) return 1;
    const ptr = this.realloc(0, 0, 1, n) >>> 0;
    new Uint8Array(this.memory.buffer, ptr, n).set(view);
    return ptr;
  }

  /**
   * The UTF-8 string at `ptr` (short ASCII decoded by hand: TextDecoder costs more). A range
   * outside the memory or bytes that are not UTF-8 are a guest fault: thrown inside the call,
   * so the caller drops this instance.
   */
  text(ptr, length) {
    if (length === 0) return '';
    const bytes = new Uint8Array(this.range(ptr, length), ptr, length);
    if (length <= 48) {
      let out = '';
      for (let i = 0; i < length; i++) {
        const b = bytes[i];
        if (b >= 0x80) return decode(bytes);
        out += String.fromCharCode(b);
      }
      return out;
    }
    return decode(bytes);
  }

  /** A copy of the bytes at `ptr` (a range outside the memory is a guest fault). */
  copy(ptr, length) {
    return new Uint8Array(this.range(ptr, length).slice(ptr, ptr + length));
  }

  /** The memory's buffer, after checking that the guest's `ptr`/`length` lie inside it. */
  range(ptr, length) {
    const buffer = this.memory.buffer;
    if (ptr + length > buffer.byteLength) throw new GuestFault('returned a range outside its memory');
    return buffer;
  }
}

/** Something the guest did that a well-behaved component never does; the instance it came from is dropped. */
export class GuestFault extends Error {
  constructor(what) {
    super(`paywit: the component ${what} (a guest fault: its instance is replaced)`);
    this.name = 'GuestFault';
  }
}

/** `bytes` as UTF-8; bytes that are not UTF-8 are a guest fault. */
export function decode(bytes) {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new GuestFault('returned a string that is not UTF-8');
  }
}

/** The instance for the next call (made on first use and after one was dropped). */
export function instance() {
  if (current !== undefined) return current;
  current = new Instance(coreModule());
  return current;
}

/** After anything thrown from inside the guest: `inst` is never used again. */
export function lost(inst) {
  if (current === inst) current = undefined;
}

/** After a call: an instance whose memory grew past RETAIN_LIMIT is dropped. */
export function done(inst) {
  if (inst.memory.buffer.byteLength > RETAIN_LIMIT && current === inst) current = undefined;
}

/**
 * Whether `s` (a string) is well-formed UTF-16: no lone surrogate, which has no UTF-8 form and
 * would otherwise be replaced by U+FFFD. `String.prototype.isWellFormed` (Node 20, Deno, workerd)
 * where it exists; a regular expression elsewhere. ASCII-only strings answer at once either way.
 */
export const wellFormed =
  typeof (/** @type {any} */ (String.prototype).isWellFormed) === 'function'
    ? (s) => /** @type {any} */ (s).isWellFormed()
    : (s) => !/\p{Cs}/u.test(s);

const TypedArray = Object.getPrototypeOf(Uint8Array);
const intrinsic = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const taTag = intrinsic(TypedArray.prototype, Symbol.toStringTag);
const taBuffer = intrinsic(TypedArray.prototype, 'buffer');
const taOffset = intrinsic(TypedArray.prototype, 'byteOffset');
const taLength = intrinsic(TypedArray.prototype, 'byteLength');
const abLength = intrinsic(ArrayBuffer.prototype, 'byteLength');

/**
 * A `list<u8>` argument (a Uint8Array, so a Buffer, or an ArrayBuffer) as a fresh Uint8Array over
 * the same bytes, read through the intrinsic accessors (no getter or Proxy of the caller's runs
 * later); undefined for anything else.
 */
export function u8view(v) {
  if (typeof v !== 'object' || v === null) return undefined;
  try {
    if (ArrayBuffer.isView(v)) {
      if (taTag.call(v) !== 'Uint8Array') return undefined;
      return new Uint8Array(taBuffer.call(v), taOffset.call(v), taLength.call(v));
    }
    abLength.call(v); // throws unless v is an ArrayBuffer (a Proxy of one included)
    return new Uint8Array(v);
  } catch {
    return undefined; // not bytes, or a detached buffer
  }
}

const INSPECT = [Symbol.for('nodejs.util.inspect.custom'), Symbol.for('Deno.customInspect')];

/**
 * A record read from the component with fields that hold secret material (`keys`): shown by
 * `util.inspect`/`console.log` (Node, Deno) with those fields as `[redacted]`. The fields stay
 * ordinary enumerable properties: `pair.signingKey` reads it, and `JSON.stringify` and spreading
 * include it (serializing a key pair is how it is stored).
 */
export function redacted(record, keys) {
  // Node calls it as (depth, options, inspect), Deno as (inspect, options).
  const show = function (a, options, b) {
    const copy = { ...record };
    for (const k of keys) if (copy[k] !== undefined) copy[k] = '[redacted]';
    const inspect = typeof a === 'function' ? a : b;
    return typeof inspect === 'function' ? inspect(copy, options) : copy;
  };
  for (const s of INSPECT) Object.defineProperty(record, s, { value: show });
  return record;
}

/** The current Unix time in whole seconds (the default of every `now`). */
export const clock = () => Math.floor(Date.now() / 1000);

const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
/** A safe integer or a BigInt in u64 range. */
export const isU64 = (v) => (typeof v === 'bigint' ? v >= 0n && v <= U64_MAX : Number.isSafeInteger(v) && v >= 0);
/** A safe integer or a BigInt in s64 range. */
export const isS64 = (v) => (typeof v === 'bigint' ? v >= S64_MIN && v <= S64_MAX : Number.isSafeInteger(v));

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
/** The bits of an f32 as an i32 (a variant's joined flat slot). */
export function f32Bits(x) {
  f32[0] = x;
  return i32[0];
}
/** The bits of an f64 as an i64 (a variant's joined flat slot). */
export function f64Bits(x) {
  f64[0] = x;
  return i64[0];
}

/** For tests: the instance calls run on now (undefined before the first call or after one was dropped). */
export const currentInstance = () => current;
