// The fast path for verification: `webhooks.verify-packed` called on the
// component's own core module through a small hand-written canonical-ABI
// binding, on the same instance as the generated modules (src/runtime.js).
//
// Why: the generated `verify` lowers a header list (one allocation per header
// name and value); a webhook handler verifies on every request, so that call
// gets this direct path: the headers as one field block. The whole
// request (scheme and secrets, or the head a Verifier had prepared once, the headers as one
// field block, body, url, now, tolerance) goes in one buffer: one allocation,
// one call, one post-return, as in the Python package.
//
// No offset or case table is written here: `LAYOUT` reads them from
// gen/abi.js (wit-parser's layouts of the WIT), so a WIT change moves them or
// fails at load; test/golden.test.js compares the bytes with the Rust encoder's
// (conformance/golden/verify-packed.json) and the tests compare the answers with
// the generated `verify`.
//
// Guest memory: the caller refuses inputs over the component's limits before
// they get here (src/limits.js), every pointer the guest returns is read as
// unsigned (wasm32 memory may exceed 2 GiB, and an i32 comes back signed), the
// instance is replaced after anything is thrown mid-call (a trap leaves it in
// an unknown state) and after a call that left its memory over RETAIN_LIMIT.

import { caseOf, field, signature } from './abi.js';
import { InvalidArgumentError } from './errors.js';
import { utf8Length } from './limits.js';
import { decode, done, instance, isS64, lost, wellFormed } from './runtime.js';
import { WELL_FORMED } from './shapes.js';


/** What the packed path needs: case indices from verify-fields' types, result offsets from verify-packed's. */
export const LAYOUT = (() => {
  const fields = signature('webhooks', 'verify-fields');
  const packed = signature('webhooks', 'verify-packed');
  const type = Object.fromEntries(fields.params.map((p) => [p.name, p.type]));
  const hmac = caseOf(type.scheme, 'hmac').type;
  if (packed.params.length !== 1 || packed.params[0].type.kind !== 'list') throw new Error('verify-packed no longer takes one list<u8>: update paywit');
  const result = packed.result;
  const ok = result.ok;
  const messageId = field(ok, 'message-id');
  const signedAt = field(ok, 'signed-at');
  return {
    schemes: type.scheme.cases.map((c) => c.name),
    algorithms: field(hmac, 'algorithm').type.names,
    encodings: field(hmac, 'encoding').type.names,
    bodyCases: { text: caseOf(type.body, 'text').index, bytes: caseOf(type.body, 'bytes').index },
    toleranceType: field(type.options, 'tolerance-seconds').type,
    nowType: field(type.options, 'now').type,
    resultPayload: result.payload_offset,
    secretIndexAt: result.payload_offset + field(ok, 'secret-index').offset,
    messageIdAt: result.payload_offset + messageId.offset,
    messageIdPayload: result.payload_offset + messageId.offset + messageId.type.payload_offset,
    signedAtAt: result.payload_offset + signedAt.offset,
    signedAtPayload: result.payload_offset + signedAt.offset + signedAt.type.payload_offset,
    error: result.err,
  };
})();

/** `now` (Unix seconds, s64) as a BigInt: the current time when undefined. */
export function checkNow(now) {
  if (now === undefined) return BigInt(Math.floor(Date.now() / 1000));
  if (!isS64(now)) throw new InvalidArgumentError('now', 'must be a safe integer or a BigInt in s64 range', now);
  return BigInt(now);
}

/** `toleranceSeconds` (option<u32>): undefined, or checked. */
export function checkTolerance(tolerance) {
  if (tolerance == null) return undefined;
  if (typeof tolerance !== 'number' || (tolerance >>> 0) !== tolerance) {
    throw new InvalidArgumentError('toleranceSeconds', 'must be an integer in u32 range 0..4294967295', tolerance);
  }
  return tolerance;
}

/** The packed layout's version (see `verify-packed` in wit/webhooks.wit). */
const VERSION = 1;
const VERIFY_PACKED = 'paywit:gateway/webhooks@0.1.0#verify-packed';
const POST_VERIFY_PACKED = `cabi_post_${VERIFY_PACKED}`;

const encoder = new TextEncoder();

/** Reads a value of WIT type `ty` at `at` in the generated modules' shapes (the error payloads). */
function load(view, ty, at, memory) {
  switch (ty.kind) {
    case 'u8': case 'bool': return ty.kind === 'bool' ? view.getUint8(at) !== 0 : view.getUint8(at);
    case 'u32': return view.getUint32(at, true);
    case 's64': return view.getBigInt64(at, true);
    case 'u64': return view.getBigUint64(at, true);
    case 'string': return decode(new Uint8Array(memory.buffer, view.getUint32(at, true), view.getUint32(at + 4, true)));
    case 'enum': return ty.names[view.getUint8(at)];
    case 'record': return Object.fromEntries(ty.fields.map((f) => [f.name.replace(/-([a-z])/g, (_, c) => c.toUpperCase()), load(view, f.type, at + f.offset, memory)]));
    case 'variant': {
      const found = ty.cases[view.getUint8(at)];
      return found.type ? { tag: found.name, val: load(view, found.type, at + ty.payload_offset, memory) } : { tag: found.name };
    }
    default: throw new Error(`paywit's fast path cannot read a ${ty.kind}`);
  }
}

/**
 * The packed request's scheme and secrets (what a Verifier computes once), as
 * bytes. Throws before anything reaches the component on an unknown scheme, a
 * bad hmac option or a secret that is not a string.
 */
export function packHead(scheme, secrets) {
  const L = LAYOUT;
  const schemeIndex = L.schemes.indexOf(scheme?.tag);
  if (schemeIndex < 0) throw new InvalidArgumentError('scheme', `must be one of ${L.schemes.join(', ')}`, scheme?.tag);
  if (!Array.isArray(secrets) || !secrets.every((s) => typeof s === 'string')) throw new TypeError('secrets must be a string or an array of strings');
  for (let i = 0; i < secrets.length; i++) if (!wellFormed(secrets[i])) throw new InvalidArgumentError(`secrets[${i}]`, WELL_FORMED, secrets[i]);
  const hmac = scheme.tag === 'hmac' ? (scheme.val ?? {}) : undefined;
  const algorithm = hmac && L.algorithms.indexOf(hmac.algorithm);
  const encoding = hmac && L.encodings.indexOf(hmac.encoding);
  if (hmac && (algorithm < 0 || encoding < 0 || typeof hmac.header !== 'string' || (hmac.prefix != null && typeof hmac.prefix !== 'string'))) {
    throw new InvalidArgumentError('scheme.hmac', `needs a header, algorithm ${L.algorithms.join('|')} and encoding ${L.encodings.join('|')}`);
  }
  if (hmac && !wellFormed(hmac.header)) throw new InvalidArgumentError('scheme.val.header', WELL_FORMED, hmac.header);
  if (hmac && hmac.prefix != null && !wellFormed(hmac.prefix)) throw new InvalidArgumentError('scheme.val.prefix', WELL_FORMED, hmac.prefix);
  // One buffer sized for the worst case, filled in place, then trimmed.
  const texts = [...(hmac ? [hmac.header, ...(hmac.prefix != null ? [hmac.prefix] : [])] : []), ...secrets];
  const out = new Uint8Array(2 + 3 + 4 + texts.reduce((n, t) => n + 4 + t.length * 3, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  const putText = (text) => {
    const { written } = encoder.encodeInto(text, out.subarray(at + 4));
    view.setUint32(at, written, true);
    at += 4 + written;
  };
  out[at++] = VERSION;
  out[at++] = schemeIndex;
  if (hmac) {
    out[at++] = algorithm;
    out[at++] = encoding;
    putText(hmac.header);
    if (hmac.prefix == null) out[at++] = 0;
    else { out[at++] = 1; putText(hmac.prefix); }
  }
  view.setUint32(at, secrets.length, true);
  at += 4;
  for (const secret of secrets) putText(secret);
  return out.subarray(0, at);
}

/** The delivery part of a packed request (after the head), written at `at`; returns the end. */
function writeDelivery(bytes, view, at, fields, body, url, now, tolerance) {
  const putText = (text) => {
    const { written } = encoder.encodeInto(text, bytes.subarray(at + 4));
    view.setUint32(at, written, true);
    at += 4 + written;
  };
  putText(fields);
  view.setUint8(at++, LAYOUT.bodyCases[body.tag]);
  if (body.tag === 'text') putText(body.val);
  else { view.setUint32(at, body.val.length, true); bytes.set(body.val, at + 4); at += 4 + body.val.length; }
  if (url != null) { view.setUint8(at++, 1); putText(url); } else view.setUint8(at++, 0);
  view.setBigInt64(at, now, true); at += 8;
  if (tolerance !== undefined) { view.setUint8(at++, 1); view.setUint32(at, tolerance, true); at += 4; } else view.setUint8(at++, 0);
  return at;
}

/**
 * The delivery part of a packed request as bytes (what verifyPackedCore writes
 * after the head), for the golden test: `body` as `{tag, val}`.
 */
export function packDelivery(fields, body, url, options) {
  const now = checkNow(options.now);
  const tolerance = checkTolerance(options.toleranceSeconds);
  const size = (t) => utf8Length(t);
  const capacity = 4 + size(fields) + 5 + (body.tag === 'text' ? size(body.val) : body.val.length) + 1 + (url != null ? 4 + size(url) : 0) + 8 + 5;
  const bytes = new Uint8Array(capacity);
  const end = writeDelivery(bytes, new DataView(bytes.buffer), 0, fields, body, url, now, tolerance);
  return bytes.subarray(0, end);
}

/**
 * Calls `verify-packed` on the core module with `head` (from packHead) and the
 * delivery: one allocation for the whole request, written in place. Arguments
 * use the generated modules' value shapes ({tag, val} body, `now` a number or
 * BigInt); returns {ok} or {err} in the same shapes. Every argument is checked
 * before the allocation.
 */
export function verifyPackedCore(head, fields, body, url, options) {
  const L = LAYOUT;
  if (typeof fields !== 'string') throw new TypeError('fields must be a string');
  if (body?.tag === 'text' ? typeof body.val !== 'string' : !(body?.val instanceof Uint8Array)) throw new TypeError('body must be a string or bytes');
  if (url != null && typeof url !== 'string') throw new TypeError('url must be a string');
  const now = checkNow(options.now);
  const tolerance = checkTolerance(options.toleranceSeconds);
  // One allocation, sized for the worst case (3 UTF-8 bytes per UTF-16 unit; a long text is
  // measured instead), filled in place with encodeInto, then shrunk to the bytes written (the
  // guest frees exactly what it owns).
  const textBody = body.tag === 'text';
  const textCapacity = (text) => (text.length > 4096 ? utf8Length(text) : text.length * 3);
  const capacity = head.length + 4 + textCapacity(fields) + 5 + (textBody ? textCapacity(body.val) : body.val.length)
    + 1 + (url != null ? 4 + textCapacity(url) : 0) + 8 + 5;
  const inst = instance();
  const wasm = inst.e;
  let result;
  try {
    // Pointers come back as i32: `>>> 0` reads them unsigned (memory past 2 GiB).
    let ptr = wasm.cabi_realloc(0, 0, 1, capacity) >>> 0;
    const bytes = new Uint8Array(wasm.memory.buffer, ptr, capacity);
    const view = new DataView(wasm.memory.buffer, ptr, capacity);
    bytes.set(head, 0);
    const at = writeDelivery(bytes, view, head.length, fields, body, url, now, tolerance);
    const size = at;
    if (size !== capacity) ptr = wasm.cabi_realloc(ptr, capacity, 1, size) >>> 0;

    const ret = wasm[VERIFY_PACKED](ptr, size) >>> 0;
    const memory = wasm.memory;
    const out = new DataView(memory.buffer);
    if (out.getUint8(ret) === 0) {
      result = {
        ok: {
          secretIndex: out.getUint32(ret + L.secretIndexAt, true),
          messageId: out.getUint8(ret + L.messageIdAt) ? load(out, { kind: 'string' }, ret + L.messageIdPayload, memory) : undefined,
          signedAt: out.getUint8(ret + L.signedAtAt) ? out.getBigInt64(ret + L.signedAtPayload, true) : undefined,
        },
      };
    } else {
      result = { err: load(out, L.error, ret + L.resultPayload, memory) };
    }
    wasm[POST_VERIFY_PACKED](ret);
  } catch (error) {
    // A trap (or anything thrown mid-call) leaves the instance in an unknown state.
    lost(inst);
    throw error;
  }
  // One large input must not keep its memory for the life of the process.
  done(inst);
  return result;
}
