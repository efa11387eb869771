// The idiomatic webhook surface over the generated paywit:gateway/webhooks
// (src/gen/webhooks.js): schemes as strings ('stripe') or `{ hmac: {...} }`,
// headers as a plain object, `Headers` or `[name, value]` pairs, bodies as a
// string, Uint8Array/Buffer or ArrayBuffer. Verification takes the fast path
// (src/core-verify.js: the headers as one field block, the request in one
// buffer); a header a field block cannot carry goes through the generated
// `verify` with the header list, which gives the same answer.

import * as gen from './gen/webhooks.js';
import { InvalidArgumentError, makeError } from './errors.js';
import { wellFormed } from './runtime.js';
import { bodyValue, checkText, headerList, fieldBlock, isFieldBlockError } from './shapes.js';
import { checkNow, checkTolerance, packHead, verifyPackedCore } from './core-verify.js';
import { boundedSecret, boundedSecrets, messageRefusal, requestRefusal, secretCountRefusal } from './limits.js';

const camel = (name) => name.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());

/** The generated error class of `verify-error.<code>` (VerifyNoSecretsError, ...). */
const verifyErrorClass = (code) => gen[`Verify${camel(code)}Error`] ?? gen.VerifyError;

/** `{tag, val}` error payload of verify-error as the generated module would throw it. */
const verifyFailure = (payload) => makeError(verifyErrorClass(payload.tag), payload.tag, payload.val);

/**
 * A scheme as the WIT variant: a name ('stripe', 'standard-webhooks'), `{ hmac: {...} }`,
 * or the variant itself (`{ tag: 'hmac', val: {...} }`).
 */
export function parseScheme(scheme) {
  if (typeof scheme === 'string') return { tag: scheme };
  if (scheme && typeof scheme === 'object' && !Array.isArray(scheme)) {
    if (scheme.hmac) return { tag: 'hmac', val: scheme.hmac };
    if ('tag' in scheme) return scheme;
  }
  throw new InvalidArgumentError('scheme', 'must be a scheme name such as "stripe", or { hmac: { header, algorithm, encoding, prefix } }', scheme);
}

function verifyWith(wit, list, head, headers, body, options, toleranceSeconds) {
  const headerValues = headerList(headers);
  const bodyWit = bodyValue(body);
  const now = checkNow(options.now);
  const tolerance = checkTolerance(toleranceSeconds);
  const url = options.url; // read once
  if (typeof url === 'string') checkText(url, 'options.url');
  // An input over a limit gets the component's answer without being copied into it
  // (after the argument checks, which come first on every path).
  const refused = requestRefusal(list.length, bodyWit, headerValues, url);
  if (refused) throw verifyFailure(refused);
  const block = fieldBlock(headerValues);
  const opts = { now, toleranceSeconds: tolerance };
  const result = block === undefined ? undefined : verifyPackedCore(head, block, bodyWit, url, opts);
  if (result === undefined || isFieldBlockError(result)) {
    // A header a field block cannot carry exactly: the generated `verify`, same answer.
    return gen.verify(wit, list, { headers: headerValues, body: bodyWit, url: url ?? undefined }, opts);
  }
  if (result.ok) return result.ok;
  throw verifyFailure(result.err);
}

/**
 * Verifies a webhook delivery. Throws a `VerifyError` subclass on failure,
 * `InvalidArgumentError` for an out-of-range `now` or `toleranceSeconds`.
 * To verify many deliveries with the same secrets, a `Verifier` prepares them once.
 */
export function verifyWebhook(scheme, secrets, headers, body, options = {}) {
  const list = boundedSecrets(typeof secrets === 'string' ? [secrets] : secrets);
  const wit = parseScheme(scheme);
  return verifyWith(wit, list, packHead(wit, list), headers, body, options, options.toleranceSeconds);
}

/**
 * A reusable verifier for one scheme and rotation list, the shape users of svix
 * and standardwebhooks know: `new Verifier('stripe', [next, current]).verify(headers, body)`.
 * The component checks and prepares the secrets once (`prepare-packed`: each
 * decoded, each HMAC key's padded blocks hashed): a secret the scheme cannot use
 * throws `VerifyUnusableSecretError` here, not at the first delivery. The prepared keys
 * are as secret as the secrets and are kept in a private field.
 */
export class Verifier {
  #wit;
  #secrets;
  #head;
  #toleranceSeconds;

  constructor(scheme, secrets, { toleranceSeconds } = {}) {
    this.#wit = parseScheme(scheme);
    this.#secrets = boundedSecrets(typeof secrets === 'string' ? [secrets] : [...secrets]);
    packHead(this.#wit, this.#secrets); // the scheme's options and the secrets' types, checked as verifyWebhook does
    this.#toleranceSeconds = checkTolerance(toleranceSeconds);
    // prepare-packed's first check, made before the list is copied into the component.
    const refused = secretCountRefusal(this.#secrets.length);
    if (refused) throw verifyFailure(refused);
    // The component checks the secrets and prepares the keys once: a secret it cannot use throws now.
    this.#head = gen.preparePacked(this.#wit, this.#secrets);
  }

  /** Verifies one delivery; see `verifyWebhook` for the accepted headers and bodies. `options`: `{ now, url }`. */
  verify(headers, body, options = {}) {
    return verifyWith(this.#wit, this.#secrets, this.#head, headers, body, options, this.#toleranceSeconds);
  }
}

/** Signs a message; returns the headers to send, as a plain object. Throws a `SignError` subclass. */
export function signWebhook(scheme, secret, body, { id, signedAt, url } = {}) {
  const message = { body: bodyValue(body), id: id ?? undefined, signedAt: signedAt ?? Math.floor(Date.now() / 1000), url: url ?? undefined };
  const wit = parseScheme(scheme);
  // A message over a limit gets the component's answer without being copied into it
  // (once its fields have the right types: the generated check runs first otherwise).
  const text = (v) => v === undefined || (typeof v === 'string' && wellFormed(v));
  const typed = text(message.url) && text(message.id);
  const refused = typed ? messageRefusal(message.body, message.url, message.id) : undefined;
  if (refused) throw makeError(gen.SignLimitExceededError, refused.tag, refused.val);
  const headers = gen.sign(wit, boundedSecret(secret), message);
  return Object.fromEntries(headers.map((h) => [h.name, h.value]));
}
