// What paywit's framework adapters hand a handler (a verified delivery: what
// verification found and the raw body), and the errors they raise for a
// misconfigured route. The adapters themselves: src/fetch-adapter.js (Fetch
// API: Workers, Deno, Bun, Hono, Next.js), src/node-middleware.js (node:http,
// Express, Connect), src/fastify.js (Fastify). Mirrors the Go middleware
// (packages/go/middleware.go).

import { PaywitError } from './errors.js';
import { LIMITS } from './limits.js';

const decoder = new TextDecoder();

/**
 * A verified webhook delivery, as paywit's adapters hand it to a handler: what
 * verification found (the secret that matched, the message id and the signed
 * timestamp, for schemes that sign them) and the raw body exactly as received
 * and verified. Record `messageId` (or the event id in `json()`) before
 * processing, so a redelivery is recognised.
 */
export class Delivery {
  /**
   * @param {import('./gen/webhooks.js').Verified} verified what `Verifier.verify` returned
   * @param {Uint8Array} body the raw body it verified
   */
  constructor(verified, body) {
    /** Index into the Verifier's rotation list of the secret that matched. @readonly */
    this.secretIndex = verified.secretIndex;
    /** The message id, for schemes that sign one (Standard Webhooks' `webhook-id`). @readonly */
    this.messageId = verified.messageId;
    /** The signed timestamp (Unix seconds), for schemes that sign one. @readonly */
    this.signedAt = verified.signedAt;
    /** The raw body exactly as received and verified. @readonly */
    this.body = body;
    Object.freeze(this);
  }

  /** The body as text (UTF-8; a byte sequence that is not UTF-8 becomes U+FFFD, as `Response.text()`). Decoded on each call. */
  text() {
    return decoder.decode(this.body);
  }

  /**
   * The body parsed as JSON, on each call and only when called: a handler that
   * needs only `messageId` pays nothing, and a form-encoded body (Slack) is never
   * parsed as JSON. Throws `SyntaxError` for a body that is not JSON.
   */
  json() {
    return JSON.parse(this.text());
  }
}

/**
 * A request whose body something read before paywit's adapter did (a body
 * parser or a logging middleware mounted in front of it), so the bytes the
 * gateway signed are gone. The adapters raise it as an error (a 500 the
 * framework logs, with this message naming the fix) instead of answering 401,
 * which would look like a bad secret.
 */
export class BodyAlreadyReadError extends PaywitError {
  constructor() {
    super(
      'body-already-read',
      undefined,
      "paywit: the request body was read before paywit's adapter: mount paywit's adapter before any body parser, or give it the raw body",
    );
  }
}

/**
 * A request body over the adapter's `maxBytes` (by its Content-Length, before
 * anything was read, or as a body of unknown length passed it). The adapters
 * answer it 413 and hand it to `onError`; `details.limit` is the cap in bytes.
 */
export class BodyTooLargeError extends PaywitError {
  /** @param {number} limit the cap in bytes */
  constructor(limit) {
    super('body-too-large', { limit }, `paywit: the request body is over ${limit} bytes`);
  }
}

/** The component's body-bytes limit: the largest `maxBytes` and its default (16 MiB). */
export const MAX_BODY_BYTES = LIMITS['body-bytes'];

/**
 * `maxBytes` as the adapters use it: the component's body-bytes limit (16 MiB)
 * when left out or 0, at most that limit. Throws TypeError for anything but a
 * non-negative integer (a mount-time mistake).
 * @param {number | undefined} maxBytes
 * @returns {number}
 */
export function capBytes(maxBytes) {
  if (maxBytes === undefined || maxBytes === 0) return MAX_BODY_BYTES;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TypeError(`paywit: maxBytes must be a non-negative integer (got ${typeof maxBytes === 'number' ? maxBytes : typeof maxBytes})`);
  }
  return Math.min(maxBytes, MAX_BODY_BYTES);
}

/**
 * Throws TypeError unless `verifier` can verify (a `Verifier`, or anything with
 * its `verify(headers, body, options)`): a mount-time mistake, reported at mount.
 * @param {unknown} verifier
 * @param {string} where the adapter's name, for the message
 */
export function checkVerifier(verifier, where) {
  if (!verifier || typeof (/** @type {any} */ (verifier)).verify !== 'function') {
    throw new TypeError(`paywit: ${where} needs a Verifier (new Verifier(scheme, secrets))`);
  }
}

/**
 * The URL to verify with: `url` itself (a string), `url(request)` (a function),
 * or undefined (none passed; only Square signs the URL).
 * @template R
 * @param {string | ((request: R) => string) | undefined} url
 * @param {R} request
 * @returns {string | undefined}
 */
export function urlFor(url, request) {
  return typeof url === 'function' ? url(request) : url ?? undefined;
}

/**
 * Calls the adapter's `onError(request, error)` hook and waits for a promise it returns; never
 * throws: a hook that throws or rejects (its refusal log down, say) is logged here, and the
 * request is answered as it would have been. A hook's failure must not crash the process, and an
 * unsigned request can reach it.
 * @param {((request: any, error: Error) => unknown) | undefined} onError
 * @param {any} request
 * @param {Error} error
 * @returns {Promise<void>}
 */
export async function report(onError, request, error) {
  if (onError === undefined) return;
  try {
    await onError(request, error);
  } catch (failure) {
    console.error('paywit: the onError hook failed:', failure);
  }
}

/**
 * `chunks` as one Uint8Array (the one chunk itself when there is one).
 * @param {Uint8Array[]} chunks
 * @param {number} total their byte length
 * @returns {Uint8Array}
 */
export function concat(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
