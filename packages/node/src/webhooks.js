// paywit:gateway/webhooks (wit/webhooks.wit).

import { check, checkArgs, checked } from './abi.js';
import { WebhookVerificationError, NoSecretsError, UnusableSecretError, MissingHeaderError, MalformedHeaderError, MissingUrlError, MalformedBodyError, TimestampOutsideToleranceError, NoMatchingSignatureError, LimitExceededError, WebhookSigningError } from './errors.js';
import { plain, call, componentError, nowSeconds, schemeValue, schemeOut, bodyValue, headerList, fieldBlock, isFieldBlockError } from './shapes.js';
import { LAYOUT, packHead, verifyPackedCore } from './core-verify.js';
import { boundedSecret, boundedSecrets, messageRefusal, requestRefusal, secretCountRefusal } from './limits.js';

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

const verifyError = (code) => VERIFY_ERRORS[code] ?? WebhookVerificationError;

function verifyWith(wit, list, head, headers, body, options, toleranceSeconds) {
  const headerValues = headerList(headers);
  const bodyWit = bodyValue(body);
  const opts = { now: options.now ?? nowSeconds(), toleranceSeconds };
  check(LAYOUT.nowType, opts.now, 'now');
  check(LAYOUT.toleranceType, toleranceSeconds, 'toleranceSeconds');
  // An input over a limit gets the component's answer without being copied into it
  // (after the argument checks, which come first on every path).
  const refused = requestRefusal(list.length, bodyWit, headerValues, options.url);
  if (refused) throw componentError(refused, verifyError);
  const block = fieldBlock(headerValues);
  let result = block === undefined ? undefined : verifyPackedCore(head, block, bodyWit, options.url, opts);
  if (result === undefined || isFieldBlockError(result)) {
    // A header a field block cannot carry exactly: the general path, same answer.
    result = viaGlue(wit, list, { headers: headerValues, body: bodyWit, url: options.url }, opts);
  }
  if (result.ok) return plain(result.ok);
  throw componentError(result.err, verifyError);
}

/**
 * Verifies a webhook delivery. Throws a `WebhookVerificationError` subclass on
 * failure, `InvalidArgumentError` for an out-of-range `now` or `toleranceSeconds`.
 * To verify many deliveries with the same secrets, a `Verifier` prepares them once.
 * @returns {{secretIndex: number, messageId?: string, signedAt?: number}}
 */
export function verifyWebhook(scheme, secrets, headers, body, options = {}) {
  const list = boundedSecrets(typeof secrets === 'string' ? [secrets] : secrets);
  const wit = schemeValue(scheme);
  return verifyWith(wit, list, packHead(wit, list), headers, body, options, options.toleranceSeconds);
}

/**
 * A reusable verifier for one scheme and rotation list, the shape users of svix
 * and standardwebhooks know: `new Verifier('stripe', [next, current]).verify(headers, body)`.
 * The component checks and prepares the secrets once (`prepare-packed`: each
 * decoded, each HMAC key's padded blocks hashed): a secret the scheme cannot use
 * throws `UnusableSecretError` here, not at the first delivery. The prepared keys
 * are as secret as the secrets and are kept in a private field.
 */
export class Verifier {
  #wit;
  #secrets;
  #head;
  #toleranceSeconds;

  constructor(scheme, secrets, { toleranceSeconds } = {}) {
    this.#wit = schemeValue(scheme);
    this.#secrets = boundedSecrets(typeof secrets === 'string' ? [secrets] : [...secrets]);
    packHead(this.#wit, this.#secrets); // the scheme's options and the secrets' types, checked as verifyWebhook does
    check(LAYOUT.toleranceType, toleranceSeconds, 'toleranceSeconds');
    this.#toleranceSeconds = toleranceSeconds;
    // prepare-packed's first check, made before the list is copied into the component.
    const refused = secretCountRefusal(this.#secrets.length);
    if (refused) throw componentError(refused, verifyError);
    // The component checks the secrets and prepares the keys once: a secret it cannot use throws now.
    this.#head = call(() => webhooks.preparePacked(this.#wit, this.#secrets), verifyError);
  }

  /** Verifies one delivery; see `verifyWebhook` for the accepted headers and bodies. `options`: `{ now, url }`. */
  verify(headers, body, options = {}) {
    return verifyWith(this.#wit, this.#secrets, this.#head, headers, body, options, this.#toleranceSeconds);
  }
}

/** Signs a message; returns the headers to send, as a plain object. */
export function signWebhook(scheme, secret, body, { id, signedAt, url } = {}) {
  const [wit, key, message] = checkArgs('webhooks', 'sign', [schemeValue(scheme), secret, { body: bodyValue(body), id, signedAt: signedAt ?? nowSeconds(), url }]);
  // A message over a limit gets the component's answer without being copied into it.
  const refused = messageRefusal(message.body, message.url, message.id);
  if (refused) throw componentError(refused, () => WebhookSigningError);
  const headers = call(() => webhooks.sign(wit, boundedSecret(key), message), () => WebhookSigningError);
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
