// paywit:gateway/webhooks (wit/webhooks.wit).

import { checked } from './abi.js';
import { WebhookVerificationError, NoSecretsError, UnusableSecretError, MissingHeaderError, MalformedHeaderError, MissingUrlError, MalformedBodyError, TimestampOutsideToleranceError, NoMatchingSignatureError, LimitExceededError, WebhookSigningError } from './errors.js';
import { plain, describe, call, nowSeconds, schemeValue, schemeOut, bodyValue, headerList, fieldBlock, isFieldBlockError } from './shapes.js';
import { verifyFieldsCore } from './core-verify.js';

/** The jco bindings of webhooks, every argument checked against the WIT first. */
const webhooks = checked('webhooks');

const VERIFY_ERRORS = {
  'no-secrets': NoSecretsError,
  'unusable-secret': UnusableSecretError,
  'missing-header': MissingHeaderError,
  'malformed-header': MalformedHeaderError,
  'missing-url': MissingUrlError,
  'malformed-body': MalformedBodyError,
  'timestamp-outside-tolerance': TimestampOutsideToleranceError,
  'no-matching-signature': NoMatchingSignatureError,
  'limit-exceeded': LimitExceededError,
};

/** Calls jco's glue, returning `{ok}` or `{err}` as the fast path does. */
function viaGlue(scheme, secrets, request, options) {
  try {
    return { ok: webhooks.verify(scheme, secrets, request, options) };
  } catch (error) {
    if (error?.payload === undefined) throw error;
    return { err: error.payload };
  }
}

/**
 * Verifies a webhook delivery. Throws a `WebhookVerificationError` subclass on
 * failure, `InvalidArgumentError` for an out-of-range `now` or `toleranceSeconds`.
 * @returns {{secretIndex: number, messageId?: string, signedAt?: number}}
 */
export function verifyWebhook(scheme, secrets, headers, body, options = {}) {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  const wit = schemeValue(scheme);
  const headerValues = headerList(headers);
  const bodyWit = bodyValue(body);
  const opts = { now: options.now ?? nowSeconds(), toleranceSeconds: options.toleranceSeconds };
  const block = fieldBlock(headerValues);
  let result = block === undefined ? undefined : verifyFieldsCore(wit, list, block, bodyWit, options.url, opts);
  if (result === undefined || isFieldBlockError(result)) {
    // A header a field block cannot carry exactly: the general path, same answer.
    result = viaGlue(wit, list, { headers: headerValues, body: bodyWit, url: options.url }, opts);
  }
  if (result.ok) return plain(result.ok);
  const details = plain(result.err.val);
  const ErrorClass = VERIFY_ERRORS[result.err.tag] ?? WebhookVerificationError;
  throw new ErrorClass(result.err.tag, details, describe(result.err.tag, details));
}

/** Signs a message; returns the headers to send, as a plain object. */
export function signWebhook(scheme, secret, body, { id, signedAt, url } = {}) {
  const message = { body: bodyValue(body), id, signedAt: signedAt ?? nowSeconds(), url };
  const headers = call(() => webhooks.sign(schemeValue(scheme), secret, message), () => WebhookSigningError);
  return Object.fromEntries(headers.map((h) => [h.name, h.value]));
}

/** Every built-in scheme with its headers, signed content and defaults. */
export function schemes() {
  return webhooks.schemes().map((info) => ({ ...info, scheme: schemeOut(info.scheme) }));
}

/** A fresh secret in the scheme's own format. */
export function newSecret(scheme) {
  return webhooks.newSecret(schemeValue(scheme));
}

/** A fresh Standard Webhooks v1a Ed25519 key pair `{signingKey, publicKey}`. */
export function newSigningKeyPair() {
  return webhooks.newSigningKeyPair();
}

/** The `whpk_` public key of a `whsk_` signing key. */
export function publicKey(signingKey) {
  return call(() => webhooks.publicKey(signingKey), () => WebhookSigningError);
}
