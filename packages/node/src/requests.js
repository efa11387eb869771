// paywit:gateway/requests (wit/requests.wit).

import { checked } from './abi.js';
import { RequestVerificationError } from './errors.js';
import { plain, call, nowSeconds, bodyValue, headerList } from './shapes.js';
import { newIdempotencyKey } from './idempotency.js';

/** The jco bindings of requests, every argument checked against the WIT first. */
const requests = checked('requests');

/**
 * Signs an outbound API request; returns the five X-Paywit-* headers to add.
 * `nonce` defaults to a fresh UUID from the component's random source.
 */
export function signRequest(keyId, secret, { method, path, body = '', timestamp = nowSeconds(), nonce = newIdempotencyKey() }) {
  const request = { method, path, body: bodyValue(body), timestamp: timestamp, nonce };
  const headers = call(() => requests.signRequest(keyId, secret, request), () => RequestVerificationError);
  return Object.fromEntries(headers.map((h) => [h.name, h.value]));
}

/**
 * Verifies an inbound signed API request. `secrets`: `[{keyId, secret}]` or
 * `{keyId: secret}`. The caller must still refuse a reused nonce.
 */
export function verifyRequest(secrets, { method, path, headers, body, now = nowSeconds(), toleranceSeconds }) {
  const list = Array.isArray(secrets) ? secrets : Object.entries(secrets).map(([keyId, secret]) => ({ keyId, secret }));
  const request = { method, path, headers: headerList(headers), body: bodyValue(body) };
  return plain(call(() => requests.verifyRequest(list, request, now, toleranceSeconds), () => RequestVerificationError));
}
