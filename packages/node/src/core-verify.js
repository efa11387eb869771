// The fast path for `webhooks.verify-fields`: a small hand-written
// canonical-ABI binding that calls the component's own core module directly.
//
// Why: jco's generated glue sets up async-task bookkeeping on every call,
// which costs far more than the verification itself. A webhook handler
// verifies on every request, so that call gets this direct path; every other
// function goes through the jco glue. Both run the same core module
// (gen/paywit.core.wasm, extracted from target/paywit.wasm by jco). It calls
// `verify-fields` (the headers as one field block, as the Python package
// does): one string for all headers instead of two per header.
//
// No offset or case table is written here: `LAYOUT` reads them from
// gen/abi.js (wit-parser's layouts of the WIT), so a WIT change moves them or
// fails at load, and the tests compare this path with jco's glue.

import { caseOf, check, field, signature } from './abi.js';
import { InvalidArgumentError } from './errors.js';
import { runtime } from './runtime.js';

const VERIFY = 'paywit:gateway/webhooks@0.1.0#verify-fields';
const POST_VERIFY = `cabi_post_${VERIFY}`;

/** Where verify-fields' parameters and result live. */
export const LAYOUT = (() => {
  const fn = signature('webhooks', 'verify-fields');
  const at = Object.fromEntries(fn.params.map((p, i) => [p.name, fn.params_tuple.offsets[i]]));
  const type = Object.fromEntries(fn.params.map((p) => [p.name, p.type]));
  const hmac = caseOf(type.scheme, 'hmac').type;
  const hmacAt = at.scheme + type.scheme.payload_offset;
  const prefix = field(hmac, 'prefix');
  const options = type.options;
  const tolerance = field(options, 'tolerance-seconds');
  const result = fn.result;
  const ok = result.ok;
  const messageId = field(ok, 'message-id');
  const signedAt = field(ok, 'signed-at');
  return {
    size: fn.params_tuple.size,
    align: fn.params_tuple.align,
    schemeAt: at.scheme,
    schemes: type.scheme.cases.map((c) => c.name),
    hmacHeaderAt: hmacAt + field(hmac, 'header').offset,
    hmacAlgorithmAt: hmacAt + field(hmac, 'algorithm').offset,
    algorithms: field(hmac, 'algorithm').type.names,
    hmacEncodingAt: hmacAt + field(hmac, 'encoding').offset,
    encodings: field(hmac, 'encoding').type.names,
    hmacPrefixAt: hmacAt + prefix.offset,
    hmacPrefixPayload: hmacAt + prefix.offset + prefix.type.payload_offset,
    secretsAt: at.secrets,
    fieldsAt: at.fields,
    bodyAt: at.body,
    bodyPayload: at.body + type.body.payload_offset,
    bodyCases: { text: caseOf(type.body, 'text').index, bytes: caseOf(type.body, 'bytes').index },
    urlAt: at.url,
    urlPayload: at.url + type.url.payload_offset,
    nowAt: at.options + field(options, 'now').offset,
    toleranceAt: at.options + tolerance.offset,
    tolerancePayload: at.options + tolerance.offset + tolerance.type.payload_offset,
    toleranceType: tolerance.type,
    nowType: field(options, 'now').type,
    resultPayload: result.payload_offset,
    secretIndexAt: result.payload_offset + field(ok, 'secret-index').offset,
    messageIdAt: result.payload_offset + messageId.offset,
    messageIdPayload: result.payload_offset + messageId.offset + messageId.type.payload_offset,
    signedAtAt: result.payload_offset + signedAt.offset,
    signedAtPayload: result.payload_offset + signedAt.offset + signedAt.type.payload_offset,
    error: result.err,
  };
})();

// A second instance of the core module for the fast path; it imports only
// get-random-u64 (see src/component/mod.rs).
let exports;
function core() {
  exports ??= new WebAssembly.Instance(runtime().module, {
    'wasi:random/random@0.2.0': { 'get-random-u64': () => globalThis.crypto.getRandomValues(new BigUint64Array(1))[0] },
  }).exports;
  return exports;
}

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

/** Reads a value of WIT type `ty` at `at` in jco's shapes (the error payloads). */
function load(view, ty, at) {
  switch (ty.kind) {
    case 'u8': case 'bool': return ty.kind === 'bool' ? view.getUint8(at) !== 0 : view.getUint8(at);
    case 'u32': return view.getUint32(at, true);
    case 's64': return view.getBigInt64(at, true);
    case 'u64': return view.getBigUint64(at, true);
    case 'string': return decoder.decode(new Uint8Array(exports.memory.buffer, view.getUint32(at, true), view.getUint32(at + 4, true)));
    case 'enum': return ty.names[view.getUint8(at)];
    case 'record': return Object.fromEntries(ty.fields.map((f) => [f.name.replace(/-([a-z])/g, (_, c) => c.toUpperCase()), load(view, f.type, at + f.offset)]));
    case 'variant': {
      const found = ty.cases[view.getUint8(at)];
      return found.type ? { tag: found.name, val: load(view, found.type, at + ty.payload_offset) } : { tag: found.name };
    }
    default: throw new Error(`paywit's fast path cannot read a ${ty.kind}`);
  }
}

/**
 * Calls `verify-fields` on the core module. Arguments use jco's value shapes
 * ({tag, val} variants, `now` a number or BigInt); returns {ok} or {err} with
 * the shapes jco would give. Every argument is checked before the first
 * allocation in the guest.
 */
export function verifyFieldsCore(scheme, secrets, fields, body, url, options) {
  const L = LAYOUT;
  const schemeIndex = L.schemes.indexOf(scheme?.tag);
  if (schemeIndex < 0) throw new InvalidArgumentError('scheme', `must be one of ${L.schemes.join(', ')}`, scheme?.tag);
  const hmac = scheme.tag === 'hmac' ? scheme.val : undefined;
  const algorithm = hmac && L.algorithms.indexOf(hmac.algorithm);
  const encoding = hmac && L.encodings.indexOf(hmac.encoding);
  if (hmac && (algorithm < 0 || encoding < 0 || typeof hmac.header !== 'string' || (hmac.prefix != null && typeof hmac.prefix !== 'string'))) {
    throw new InvalidArgumentError('scheme.hmac', `needs a header, algorithm ${L.algorithms.join('|')} and encoding ${L.encodings.join('|')}`);
  }
  if (!Array.isArray(secrets) || !secrets.every((s) => typeof s === 'string')) throw new TypeError('secrets must be a string or an array of strings');
  if (typeof fields !== 'string') throw new TypeError('fields must be a string');
  if (body?.tag === 'text' ? typeof body.val !== 'string' : !(body?.val instanceof Uint8Array)) throw new TypeError('body must be a string or bytes');
  if (url != null && typeof url !== 'string') throw new TypeError('url must be a string');
  const now = check(L.nowType, options.now, 'now');
  const tolerance = check(L.toleranceType, options.toleranceSeconds, 'toleranceSeconds');

  core();
  // 1. Allocate and fill every string (allocation may grow memory).
  const hmacHeader = hmac && text(hmac.header);
  const hmacPrefix = hmac && hmac.prefix != null ? text(hmac.prefix) : undefined;
  const secretSlices = secrets.map(text);
  const fieldBlock = text(fields);
  const bodySlice = body.tag === 'text' ? text(body.val) : put(body.val);
  const urlSlice = url != null ? text(url) : undefined;
  const secretList = exports.cabi_realloc(0, 0, 4, 8 * secretSlices.length);
  const params = exports.cabi_realloc(0, 0, L.align, L.size);

  // 2. Write the parameter tuple.
  const view = new DataView(exports.memory.buffer);
  new Uint8Array(exports.memory.buffer, params, L.size).fill(0);
  secretSlices.forEach(([ptr, len], i) => { view.setUint32(secretList + 8 * i, ptr, true); view.setUint32(secretList + 8 * i + 4, len, true); });
  const pair = (at, [ptr, len]) => { view.setUint32(params + at, ptr, true); view.setUint32(params + at + 4, len, true); };
  view.setUint8(params + L.schemeAt, schemeIndex);
  if (hmac) {
    pair(L.hmacHeaderAt, hmacHeader);
    view.setUint8(params + L.hmacAlgorithmAt, algorithm);
    view.setUint8(params + L.hmacEncodingAt, encoding);
    if (hmacPrefix) { view.setUint8(params + L.hmacPrefixAt, 1); pair(L.hmacPrefixPayload, hmacPrefix); }
  }
  pair(L.secretsAt, [secretList, secretSlices.length]);
  pair(L.fieldsAt, fieldBlock);
  view.setUint8(params + L.bodyAt, L.bodyCases[body.tag]);
  pair(L.bodyPayload, bodySlice);
  if (urlSlice) { view.setUint8(params + L.urlAt, 1); pair(L.urlPayload, urlSlice); }
  view.setBigInt64(params + L.nowAt, now, true);
  if (tolerance !== undefined) { view.setUint8(params + L.toleranceAt, 1); view.setUint32(params + L.tolerancePayload, tolerance, true); }

  // 3. Call, read the result at the returned pointer, free it.
  const ret = exports[VERIFY](params);
  const out = new DataView(exports.memory.buffer);
  let result;
  if (out.getUint8(ret) === 0) {
    result = {
      ok: {
        secretIndex: out.getUint32(ret + L.secretIndexAt, true),
        messageId: out.getUint8(ret + L.messageIdAt) ? load(out, { kind: 'string' }, ret + L.messageIdPayload) : undefined,
        signedAt: out.getUint8(ret + L.signedAtAt) ? out.getBigInt64(ret + L.signedAtPayload, true) : undefined,
      },
    };
  } else {
    result = { err: load(out, L.error, ret + L.resultPayload) };
  }
  exports[POST_VERIFY](ret);
  return result;
}
