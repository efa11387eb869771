// The Fastify 5 adapter: a plugin registering one webhook route whose body is
// read raw, capped, inside the plugin's own encapsulated context, so a JSON
// parser registered on the app does not apply to it. No runtime dependency on
// fastify: a plain plugin function. Mirrors the Go middleware
// (packages/go/middleware.go).

import { VerifyError, VerifyLimitExceededError } from './gen/webhooks.js';
import { BodyAlreadyReadError, BodyTooLargeError, Delivery, capBytes, checkVerifier, report, urlFor } from './delivery.js';

const isBytes = (value) => value instanceof Uint8Array;
/** The Buffer the plugin's parser produced, per request (a body replaced later is not it). */
const rawBodies = new WeakMap();

/**
 * A Fastify plugin registering a webhook route at `path`:
 *
 * ```js
 * app.register(paywitFastify, {
 *   verifier, path: '/webhooks',
 *   handler: async (delivery, request, reply) => { ...; return 'ok'; },
 * });
 * ```
 *
 * Inside the plugin's encapsulated context the content-type parsers it
 * inherited are removed and one catch-all parser reads every body raw
 * (`parseAs: 'buffer'`, `bodyLimit` = `maxBytes`): Fastify answers 413 for a
 * Content-Length over `maxBytes` before reading anything, and for a chunked
 * body as soon as it passes it (closing the connection); a parser the app
 * registered elsewhere never sees this route's body. The route answers a method
 * other than POST 405 (with `Allow: POST`) and a delivery that does not verify
 * 401 with an empty body; `handler` is not called for either.
 *
 * `handler(delivery, request, reply)` is called once per verified delivery with
 * the `Delivery`; what it returns is sent (as any Fastify handler's), and when
 * it returns nothing and did not send, an empty 200.
 *
 * When the body is not the raw bytes when the route runs (a hook replaced
 * `request.body`), that is a misconfiguration, not a forgery: the route throws
 * `BodyAlreadyReadError`, which Fastify answers 500 with the message (naming the
 * fix) and logs. `onError(request, err)` receives why a request was refused,
 * for logging (not a 405), the 413 included.
 *
 * Registration throws TypeError for a missing verifier, path or handler.
 *
 * @param {any} fastify the encapsulated Fastify instance
 * @param {import('./fastify.js').PaywitFastifyOptions} options
 * @returns {Promise<void>}
 */
export async function paywitFastify(fastify, options) {
  const { verifier, path, maxBytes, url, onError, handler } = options ?? /** @type {any} */ ({});
  checkVerifier(verifier, 'paywitFastify');
  if (typeof path !== 'string') throw new TypeError("paywit: paywitFastify needs a path (the webhook route's URL, such as '/webhooks')");
  if (typeof handler !== 'function') throw new TypeError('paywit: paywitFastify needs a handler: async (delivery, request, reply) => ...');
  const max = capBytes(maxBytes);

  // Only this plugin's context: the app's parsers stay as they are elsewhere.
  fastify.removeAllContentTypeParsers();
  // The parser keeps its own Buffer: a hook that replaces request.body (even with bytes, a
  // re-serialised body) is a body read before us, not a forgery.
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: max }, (request, body, done) => {
    rawBodies.set(request, body);
    done(null, body);
  });
  if (onError) {
    fastify.addHook('onError', async (request, reply, error) => {
      if (error?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') await report(onError, request, new BodyTooLargeError(max));
    });
  }

  fastify.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: path,
    bodyLimit: max,
    exposeHeadRoute: false,
    async handler(request, reply) {
      if (request.method !== 'POST') return reply.code(405).header('Allow', 'POST').send();
      const refuse = async (status, error) => {
        await report(onError, request, error); // a promise is awaited: a refusal recorded before its answer
        return reply.code(status).send();
      };
      const headers = request.headers;
      const declared = headers['content-length'] !== undefined && headers['content-length'] !== '0';
      const hasBody = declared || headers['transfer-encoding'] !== undefined;
      let body = request.body;
      if (body === undefined && !hasBody) body = new Uint8Array(0);
      else if (!isBytes(body) || body !== rawBodies.get(request)) {
        const error = new BodyAlreadyReadError();
        await report(onError, request, error);
        throw error;
      }
      let verified;
      try {
        verified = verifier.verify(headers, body, { url: urlFor(url, request) });
      } catch (error) {
        if (error instanceof VerifyLimitExceededError && error.details.what === 'body-bytes') return refuse(413, error);
        if (error instanceof VerifyError) return refuse(401, error);
        throw error;
      }
      const result = await handler(new Delivery(verified, body), request, reply);
      if (reply.sent || result === reply) return reply;
      if (result === undefined) return reply.send(); // 200 unless the handler set a status
      return result;
    },
  });
}
