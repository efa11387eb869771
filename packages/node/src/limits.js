// The component's input limits, checked before an input is copied into the
// guest. A forged 300 MiB body must not grow an instance's memory (and a body
// over 2 GiB would not even fit), so an input over a limit is refused here with
// exactly the answer the component gives: the same checks in the same order
// (secret count, body bytes, header count, header bytes, URL bytes; see
// `check_request_limits` in src/webhooks/mod.rs), the same `limit-exceeded`
// payload. The numbers come from gen/abi.js, which `cargo xtask build` writes
// from paywit::limits. Python does the same (packages/python/paywit/_limits.py);
// test/guest-memory.test.js compares each refusal with the component's own.
//
// Inputs within the limits go to the component unmeasured unless they could be
// over (a string is measured in UTF-8 only when 3 bytes per UTF-16 unit could
// pass the limit), so this costs a few comparisons per verification.

import { manifest } from './abi.js';
import { wellFormed } from './runtime.js';

export const LIMITS = manifest.limits;
const MAX_SECRET_COUNT = LIMITS['secret-count'];
const MAX_BODY_BYTES = LIMITS['body-bytes'];
const MAX_HEADER_COUNT = LIMITS['header-count'];
const MAX_HEADER_BYTES = LIMITS['header-bytes'];
const MAX_URL_BYTES = LIMITS['url-bytes'];
const MAX_ID_BYTES = LIMITS['id-bytes'];
const MAX_SECRET_BYTES = LIMITS['secret-bytes'];

/**
 * The UTF-8 length of `text` as TextEncoder (and so the bindings) encode it (a lone
 * surrogate becomes U+FFFD, 3 bytes), without encoding it.
 */
export function utf8LengthScan(text) {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: two units, four bytes
      i++;
    } else n += 2;
  }
  return n;
}

// Node's (and Deno's, Bun's) native count when there is one; the scan elsewhere.
const nativeLength = typeof globalThis.Buffer?.byteLength === 'function' ? (text) => globalThis.Buffer.byteLength(text, 'utf8') : undefined;

/** The UTF-8 length of `text` (see utf8LengthScan). */
export const utf8Length = nativeLength ?? utf8LengthScan;

/** `text`'s UTF-8 length when it is over `max`, else 0 (measured only when it could be over). */
function textOver(text, max) {
  if (text.length * 3 <= max) return 0;
  const n = utf8Length(text);
  return n > max ? n : 0;
}

/** `value` without leading and trailing spaces and tabs, as the component measures a header. */
export function trimOws(value) {
  let start = 0;
  let end = value.length;
  const ows = (c) => c === 0x20 || c === 0x09;
  while (start < end && ows(value.charCodeAt(start))) start++;
  while (end > start && ows(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

/** The component's `limit-exceeded` payload, in the bindings' shapes. */
const exceeded = (what, actual) => ({ tag: 'limit-exceeded', val: { what, max: BigInt(LIMITS[what]), actual: BigInt(actual) } });

/** The `limit-exceeded` error a secret list this long gets (the first check of every verification), or undefined. */
export function secretCountRefusal(count) {
  return count > MAX_SECRET_COUNT ? exceeded('secret-count', count) : undefined;
}

/**
 * The component's `limit-exceeded` error for a verification of these inputs,
 * or undefined when none is over a limit (the component then checks them).
 * `body` in the bindings' shape ({tag, val}), `headers` as `[{name, value}]`.
 */
export function requestRefusal(secretCount, body, headers, url) {
  const secrets = secretCountRefusal(secretCount);
  if (secrets) return secrets;
  const bodyBytes = body.tag === 'text' ? textOver(body.val, MAX_BODY_BYTES) : body.val.length > MAX_BODY_BYTES ? body.val.length : 0;
  if (bodyBytes) return exceeded('body-bytes', bodyBytes);
  if (headers.length > MAX_HEADER_COUNT) return exceeded('header-count', headers.length);
  for (const { name, value } of headers) {
    // Only strings are measured (headerList makes every value one); a header short enough
    // in UTF-16 units cannot be over in UTF-8 bytes.
    if (typeof name !== 'string' || typeof value !== 'string' || (name.length + value.length) * 3 <= MAX_HEADER_BYTES) continue;
    const n = utf8Length(name) + utf8Length(trimOws(value));
    if (n > MAX_HEADER_BYTES) return exceeded('header-bytes', n);
  }
  const urlBytes = typeof url === 'string' ? textOver(url, MAX_URL_BYTES) : 0;
  return urlBytes ? exceeded('url-bytes', urlBytes) : undefined;
}

/** The component's `limit-exceeded` error for signing this message (body, url, id), or undefined. */
export function messageRefusal(body, url, id) {
  const bodyBytes = body.tag === 'text' ? textOver(body.val, MAX_BODY_BYTES) : body.val.length > MAX_BODY_BYTES ? body.val.length : 0;
  if (bodyBytes) return exceeded('body-bytes', bodyBytes);
  const urlBytes = typeof url === 'string' ? textOver(url, MAX_URL_BYTES) : 0;
  if (urlBytes) return exceeded('url-bytes', urlBytes);
  const idBytes = typeof id === 'string' ? textOver(id, MAX_ID_BYTES) : 0;
  return idBytes ? exceeded('id-bytes', idBytes) : undefined;
}

// What an over-long secret is sent as: the component refuses any secret over
// MAX_SECRET_BYTES as `too-long` before looking at its contents (keys.rs,
// `verification_key`), so this gives exactly its answer, at its index, without
// copying the secret in.
const TOO_LONG_SECRET = 'x'.repeat(MAX_SECRET_BYTES + 1);

/** `secret`, or a short stand-in the component refuses alike when it is over the secret length limit. */
export function boundedSecret(secret) {
  // A secret with a lone surrogate is passed on as it is: the argument check refuses it first.
  return typeof secret === 'string' && textOver(secret, MAX_SECRET_BYTES) && wellFormed(secret) ? TOO_LONG_SECRET : secret;
}

/** `secrets` with each over-long secret replaced by its stand-in (see boundedSecret); non-arrays as they are. */
export function boundedSecrets(secrets) {
  if (!Array.isArray(secrets)) return secrets;
  let out = secrets;
  for (let i = 0; i < secrets.length; i++) {
    const bounded = boundedSecret(secrets[i]);
    if (bounded !== secrets[i]) {
      if (out === secrets) out = [...secrets];
      out[i] = bounded;
    }
  }
  return out;
}
