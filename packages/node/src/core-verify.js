// The fast path for `webhooks.verify`: a small hand-written canonical-ABI
// binding that calls the component's own core module directly.
//
// Why: jco's generated glue sets up async-task bookkeeping on every call,
// which costs far more than the verification itself. `verify` is the function
// a webhook handler calls on every request, so it gets this direct path; every
// other function goes through the jco glue. Both run the same core module
// (gen/paywit.core.wasm, extracted from target/paywit.wasm by jco), and the
// test suite checks that both paths give identical answers on every vector.
//
// Layouts below follow the Component Model canonical ABI for the WIT in
// wit/webhooks.wit; if that WIT changes, `cargo xtask test` fails here first.

const CORE_URL = new URL('../gen/paywit.core.wasm', import.meta.url);
const VERIFY = 'paywit:gateway/webhooks@0.1.0#verify';
const POST_VERIFY = 'cabi_post_paywit:gateway/webhooks@0.1.0#verify';

const SCHEMES = ['hmac', 'standard-webhooks', 'stripe', 'github', 'shopify', 'coinbase-commerce', 'btcpay', 'razorpay', 'slack', 'paddle', 'square', 'nowpayments'];
const HASHES = ['sha256', 'sha512', 'sha1'];
const ENCODINGS = ['hex', 'base64'];
const VERIFY_ERRORS = ['no-secrets', 'unusable-secret', 'missing-header', 'malformed-header', 'missing-url', 'malformed-body', 'timestamp-outside-tolerance', 'no-matching-signature', 'limit-exceeded'];
const SECRET_PROBLEMS = ['empty', 'bad-encoding', 'too-short', 'too-long', 'wrong-key-length', 'wrong-key-kind'];
const DIRECTIONS = ['past', 'future'];
const LIMITS = ['body-bytes', 'header-count', 'header-bytes', 'secret-count', 'url-bytes', 'id-bytes'];

async function coreBytes() {
  if (typeof process !== 'undefined' && process.versions?.node) {
    const { readFile } = await import('node:fs/promises');
    return readFile(CORE_URL);
  }
  return new Uint8Array(await (await fetch(CORE_URL)).arrayBuffer());
}

let exports;
// The core module imports only get-random-u64 (see src/component/mod.rs).
const imports = {
  'wasi:random/random@0.2.0': {
    'get-random-u64': () => globalThis.crypto.getRandomValues(new BigUint64Array(1))[0],
  },
};
({ exports } = (await WebAssembly.instantiate(await WebAssembly.compile(await coreBytes()), imports)));

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Copies `bytes` into guest memory; returns [ptr, len]. */
function put(bytes) {
  const ptr = exports.cabi_realloc(0, 0, 1, bytes.length);
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  return [ptr, bytes.length];
}

/** Encodes `s` straight into guest memory (growing the allocation only for non-ASCII); returns [ptr, len]. */
function text(s) {
  let capacity = s.length;
  let ptr = exports.cabi_realloc(0, 0, 1, capacity);
  let { read, written } = encoder.encodeInto(s, new Uint8Array(exports.memory.buffer, ptr, capacity));
  while (read < s.length) {
    const more = capacity + (s.length - read) * 3;
    ptr = exports.cabi_realloc(ptr, capacity, 1, more);
    capacity = more;
    const next = encoder.encodeInto(s.slice(read), new Uint8Array(exports.memory.buffer, ptr + written, capacity - written));
    read += next.read;
    written += next.written;
  }
  if (written !== capacity) ptr = exports.cabi_realloc(ptr, capacity, 1, written);
  return [ptr, written];
}

function readString(view, at) {
  const ptr = view.getUint32(at, true);
  const len = view.getUint32(at + 4, true);
  return decoder.decode(new Uint8Array(exports.memory.buffer, ptr, len));
}

/**
 * Calls `verify` on the core module. Arguments use jco's value shapes
 * ({tag, val} variants, BigInt `now`); returns {ok} or {err} with the same
 * shapes jco would give.
 */
export function verifyCore(scheme, secrets, request, options) {
  // 1. Allocate and fill every string first (allocation may grow memory).
  const schemeIndex = SCHEMES.indexOf(scheme.tag);
  if (schemeIndex < 0) throw new TypeError(`unknown scheme ${JSON.stringify(scheme.tag)}`);
  const hmac = scheme.tag === 'hmac' ? scheme.val : undefined;
  if (hmac && (HASHES.indexOf(hmac.algorithm) < 0 || ENCODINGS.indexOf(hmac.encoding) < 0)) {
    throw new TypeError('hmac scheme needs algorithm sha256|sha512|sha1 and encoding hex|base64');
  }
  const hmacHeader = hmac && text(hmac.header);
  const hmacPrefix = hmac && hmac.prefix !== undefined ? text(hmac.prefix) : undefined;
  const secretSlices = secrets.map(text);
  const headerSlices = request.headers.map((h) => [text(h.name), text(h.value)]);
  const body = request.body.tag === 'text' ? text(request.body.val) : put(request.body.val);
  const url = request.url !== undefined ? text(request.url) : undefined;
  const secretList = exports.cabi_realloc(0, 0, 4, 8 * secretSlices.length);
  const headerList = exports.cabi_realloc(0, 0, 4, 16 * headerSlices.length);
  const params = exports.cabi_realloc(0, 0, 8, 88);

  // 2. Write the params tuple (scheme @0, secrets @28, request @36, options @72).
  const view = new DataView(exports.memory.buffer);
  secretSlices.forEach(([ptr, len], i) => { view.setUint32(secretList + 8 * i, ptr, true); view.setUint32(secretList + 8 * i + 4, len, true); });
  headerSlices.forEach(([[np, nl], [vp, vl]], i) => {
    const at = headerList + 16 * i;
    view.setUint32(at, np, true); view.setUint32(at + 4, nl, true); view.setUint32(at + 8, vp, true); view.setUint32(at + 12, vl, true);
  });
  view.setUint8(params, schemeIndex);
  if (hmac) {
    view.setUint32(params + 4, hmacHeader[0], true); view.setUint32(params + 8, hmacHeader[1], true);
    view.setUint8(params + 12, HASHES.indexOf(hmac.algorithm));
    view.setUint8(params + 13, ENCODINGS.indexOf(hmac.encoding));
    view.setUint8(params + 16, hmacPrefix ? 1 : 0);
    if (hmacPrefix) { view.setUint32(params + 20, hmacPrefix[0], true); view.setUint32(params + 24, hmacPrefix[1], true); }
  }
  view.setUint32(params + 28, secretList, true); view.setUint32(params + 32, secretSlices.length, true);
  view.setUint32(params + 36, headerList, true); view.setUint32(params + 40, headerSlices.length, true);
  view.setUint8(params + 44, request.body.tag === 'text' ? 0 : 1);
  view.setUint32(params + 48, body[0], true); view.setUint32(params + 52, body[1], true);
  view.setUint8(params + 56, url ? 1 : 0);
  if (url) { view.setUint32(params + 60, url[0], true); view.setUint32(params + 64, url[1], true); }
  view.setBigInt64(params + 72, BigInt(options.now), true);
  view.setUint8(params + 80, options.toleranceSeconds !== undefined ? 1 : 0);
  if (options.toleranceSeconds !== undefined) view.setUint32(params + 84, options.toleranceSeconds >>> 0, true);

  // 3. Call, read the result<verified, verify-error> at the returned pointer, free it.
  const ret = exports[VERIFY](params);
  const out = new DataView(exports.memory.buffer);
  let result;
  if (out.getUint8(ret) === 0) {
    result = {
      ok: {
        secretIndex: out.getUint32(ret + 8, true),
        messageId: out.getUint8(ret + 12) ? readString(out, ret + 16) : undefined,
        signedAt: out.getUint8(ret + 24) ? out.getBigInt64(ret + 32, true) : undefined,
      },
    };
  } else {
    const tag = VERIFY_ERRORS[out.getUint8(ret + 8)];
    const at = ret + 16;
    let val;
    switch (tag) {
      case 'unusable-secret': val = { index: out.getUint32(at, true), problem: SECRET_PROBLEMS[out.getUint8(at + 4)] }; break;
      case 'missing-header': case 'malformed-body': val = readString(out, at); break;
      case 'malformed-header': val = { name: readString(out, at), reason: readString(out, at + 8) }; break;
      case 'timestamp-outside-tolerance':
        val = { secondsOutside: out.getBigUint64(at, true), direction: DIRECTIONS[out.getUint8(at + 8)], toleranceSeconds: out.getUint32(at + 12, true) };
        break;
      case 'limit-exceeded': val = { what: LIMITS[out.getUint8(at)], max: out.getBigUint64(at + 8, true), actual: out.getBigUint64(at + 16, true) }; break;
      default: val = undefined;
    }
    result = { err: val === undefined ? { tag } : { tag, val } };
  }
  exports[POST_VERIFY](ret);
  return result;
}
