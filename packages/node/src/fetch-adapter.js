// The Fetch API adapter: `verifyWebhookRequest(verifier, request)` for Cloudflare
// Workers, Deno, Bun, Hono (`c.req.raw`) and the Next.js App Router. It reads
// the raw body itself, capped, verifies it and returns a Delivery, or the
// Response to answer. Mirrors the Go middleware (packages/go/middleware.go).

import { VerifyError, VerifyLimitExceededError } from './gen/webhooks.js';
import { BodyAlreadyReadError, BodyTooLargeError, Delivery, capBytes, checkVerifier, concat, report, urlFor } from './delivery.js';

const refusal = (status, headers) => new Response(null, headers ? { status, headers } : { status });

/**
 * Verifies the webhook delivery `request` (a Fetch API `Request` whose body
 * nothing has read) with `verifier` and returns a `Delivery`, or the `Response`
 * to answer instead:
 *
 * ```js
 * const delivery = await verifyWebhookRequest(verifier, request);
 * if (delivery instanceof Response) return delivery;
 * if (await seen(delivery.messageId)) return new Response('duplicate');
 * ```
 *
 * - a method other than POST: 405 with `Allow: POST` (not reported to `onError`);
 * - a Content-Length over `maxBytes`: 413 before anything is read; a body of
 *   unknown length: 413 as soon as it passes `maxBytes` (the stream is cancelled);
 * - a delivery that does not verify: 401 with an empty body (`onError` gets the
 *   `VerifyError` subclass saying why; paywit's errors never contain a secret).
 *
 * A request whose body was already read (`request.bodyUsed`, a locked stream,
 * or a body gone while a Content-Length declared one: a framework's `c.req.json()`
 * in front) is a misconfiguration, not a forgery: `BodyAlreadyReadError` is
 * thrown (after `onError`), never answered 401, so the framework answers 500
 * and logs the message, which names the fix. The Node middleware does the same
 * through `next(err)`. Any other error (a guest fault) is thrown as well.
 *
 * @param {import('./webhooks.js').Verifier} verifier the scheme and rotation list
 * @param {Request} request the delivery, its body unread
 * @param {import('./fetch-adapter.js').VerifyWebhookRequestOptions} [options]
 * @returns {Promise<Delivery | Response>}
 */
export async function verifyWebhookRequest(verifier, request, { maxBytes, url, onError } = {}) {
  checkVerifier(verifier, 'verifyWebhookRequest');
  const max = capBytes(maxBytes);
  if (request.method !== 'POST') return refusal(405, { Allow: 'POST' });
  const refuse = async (status, error) => {
    await report(onError, request, error); // a promise is awaited: a refusal recorded before its answer
    return refusal(status);
  };
  const alreadyRead = async () => {
    const error = new BodyAlreadyReadError();
    await report(onError, request, error);
    throw error;
  };
  const header = request.headers.get('content-length');
  const declared = header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
  if (declared !== undefined && declared > max) return refuse(413, new BodyTooLargeError(max));
  if (request.bodyUsed || request.body?.locked) return alreadyRead();
  if (request.body === null && declared > 0) return alreadyRead();

  let body;
  if (request.body === null) body = new Uint8Array(0);
  else {
    body = await readCapped(request.body, max);
    if (body === undefined) return refuse(413, new BodyTooLargeError(max));
    // (A stream read in part before us is `bodyUsed`, a reader held `locked`: both checked above.)
  }

  let verified;
  try {
    verified = verifier.verify(request.headers, body, { url: urlFor(url, request) });
  } catch (error) {
    if (error instanceof VerifyLimitExceededError && error.details.what === 'body-bytes') return refuse(413, error);
    if (error instanceof VerifyError) return refuse(401, error);
    throw error; // a guest fault, a bad `url`: the framework's 500
  }
  return new Delivery(verified, body);
}

/**
 * Reads `stream` whole, or undefined (the stream cancelled) as soon as it passes `max` bytes.
 * @param {ReadableStream<Uint8Array>} stream
 * @param {number} max
 * @returns {Promise<Uint8Array | undefined>}
 */
async function readCapped(stream, max) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return concat(chunks, total);
}
