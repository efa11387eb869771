// The node:http adapter: `webhookMiddleware(verifier)` for Express 5, Connect
// and plain node:http. It reads the raw body from the IncomingMessage itself,
// capped, verifies it and hands the route a Delivery (`req.webhook`), so the
// raw-body mistake (verifying a body a JSON parser already read) cannot happen
// silently. Mirrors the Go middleware (packages/go/middleware.go).

import { VerifyError, VerifyLimitExceededError } from './gen/webhooks.js';
import { BodyAlreadyReadError, BodyTooLargeError, Delivery, capBytes, checkVerifier, concat, report, urlFor } from './delivery.js';

/**
 * A middleware `(req, res, next)` that verifies each webhook delivery before
 * the route's handler sees it (Express 5, Connect, or awaited in plain node:http):
 *
 * ```js
 * app.post('/webhooks', webhookMiddleware(verifier), (req, res) => {
 *   const delivery = req.webhook; // a Delivery: messageId, body, json()
 *   ...
 * });
 * ```
 *
 * It answers a method other than POST 405 (with `Allow: POST`), a body over
 * `maxBytes` 413 (by its Content-Length before anything is read, with
 * `Connection: close`; a chunked body as soon as it passes the cap, after which
 * nothing more is read), and a delivery that does not verify 401 with an empty
 * body; `next` is not called for any of them. On success it sets
 * `req.webhook` to the `Delivery` and calls `next()`.
 *
 * It reads the raw body itself, so it must come before anything that reads the
 * body. When something already has (`req.body` set by a parser, or the stream
 * read or ended while the request declared a body), that is a misconfiguration,
 * not a forgery: it calls `next(new BodyAlreadyReadError())` (the framework
 * answers 500 and logs the message, which names the fix), never a 401. Without
 * `next` (plain node:http) it answers 500 with that message itself and logs it
 * with console.error unless `onError` is set. Other errors (a guest fault) go
 * the same way, the 500 then with an empty body. `onError(req, err)` receives
 * why a request was refused, for logging (not for a 405), before the answer; a
 * promise it returns is awaited before a 401 or 413 is sent.
 *
 * The returned function also returns a promise of the `Delivery` (undefined
 * when it answered the request), so plain node:http code can await it:
 * `const delivery = await paywit(req, res); if (!delivery) return;`.
 *
 * @param {import('./webhooks.js').Verifier} verifier the scheme and rotation list
 * @param {import('./node-middleware.js').WebhookMiddlewareOptions} [options]
 * @returns {import('./node-middleware.js').WebhookMiddleware}
 */
export function webhookMiddleware(verifier, { maxBytes, url, onError } = {}) {
  checkVerifier(verifier, 'webhookMiddleware');
  const max = capBytes(maxBytes);
  return async function paywitWebhook(req, res, next) {
    let delivery;
    try {
      delivery = await receive(verifier, req, res, max, url, onError);
    } catch (error) {
      if (typeof next === 'function') next(error);
      else {
        if (!(error instanceof BodyAlreadyReadError)) await report(onError, req, error); // BodyAlreadyReadError was reported
        fail(res, error, onError === undefined);
      }
      return undefined;
    }
    if (delivery === undefined) return undefined;
    req.webhook = delivery;
    if (typeof next === 'function') next();
    return delivery;
  };
}

/** Answers `error` 500 (plain node:http, no `next`): BodyAlreadyReadError with its message, anything else empty. */
function fail(res, error, log) {
  if (log) console.error(error instanceof BodyAlreadyReadError ? error.message : error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof BodyAlreadyReadError) {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(`${error.message}\n`);
  } else {
    res.writeHead(500).end();
  }
}

/** The verified Delivery, or undefined once `res` was answered; throws BodyAlreadyReadError or an unexpected error. */
async function receive(verifier, req, res, max, url, onError) {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' }).end();
    return undefined;
  }
  const refuse = async (status, error, headers) => {
    await report(onError, req, error); // a promise is awaited: a refusal recorded before its answer
    if (!res.headersSent) res.writeHead(status, headers).end();
    return undefined;
  };
  const alreadyRead = async () => {
    const error = new BodyAlreadyReadError();
    await report(onError, req, error);
    throw error;
  };
  const header = req.headers['content-length'];
  const declared = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
  const chunked = req.headers['transfer-encoding'] !== undefined;
  // Nothing is read; the connection is closed rather than drained.
  if (declared !== undefined && declared > max) return refuse(413, new BodyTooLargeError(max), { Connection: 'close' });
  // A parser set req.body, or the stream was read (or ended) while the request declared a body.
  const hasBody = (declared !== undefined && declared > 0) || chunked;
  if (req.body !== undefined) return alreadyRead();
  if (hasBody && (req.readableDidRead || req.readableEnded)) return alreadyRead();
  // The client went away before anything read its body (while a middleware in front awaited).
  if (req.destroyed && !req.readableEnded) return refuse(400, new Error('paywit: the request was aborted before its body ended'));
  // Read to its end in front of us, with no body declared: nothing is left to wait for.
  const read = req.readableEnded ? { body: new Uint8Array(0) } : await readCapped(req, max);
  if (read.tooLarge) return refuse(413, new BodyTooLargeError(max), { Connection: 'close' });
  if (read.error) return refuse(400, read.error); // the client went away, or sent a malformed body
  const body = read.body;
  // Fewer bytes than Content-Length with a clean end: part of it was read before us.
  if (declared !== undefined && body.length < declared) return alreadyRead();

  let verified;
  try {
    verified = verifier.verify(req.headers, body, { url: urlFor(url, req) });
  } catch (error) {
    // A chunked body that read empty and does not verify: a gateway sends no
    // empty chunked body, a parser in front does.
    if (chunked && body.length === 0) return alreadyRead();
    if (error instanceof VerifyLimitExceededError && error.details.what === 'body-bytes') return refuse(413, error);
    if (error instanceof VerifyError) return refuse(401, error);
    throw error;
  }
  return new Delivery(verified, body);
}

/**
 * Reads `req` whole: `{ body }`, `{ tooLarge }` as soon as it passes `max`
 * bytes (then nothing more is read: the 413 closes the connection), or
 * `{ error }` when the client went away.
 */
function readCapped(req, max) {
  return new Promise((resolve) => {
    const chunks = [];
    let total = 0;
    const settle = (result) => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onFailure);
      req.removeListener('close', onClose);
      resolve(result);
    };
    const onData = (chunk) => {
      total += chunk.length;
      if (total > max) {
        req.pause();
        settle({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ body: concat(chunks, total) });
    const onFailure = (error) => settle({ error });
    const onClose = () => settle({ error: new Error('paywit: the request was aborted before its body ended') });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFailure);
    req.on('close', onClose);
  });
}
