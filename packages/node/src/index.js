// paywit for JavaScript: thin, idiomatic wrappers over the paywit component
// (transpiled by jco into ../gen). Every answer comes from the component; this
// file only adapts shapes: names and strings for schemes, plain objects or
// `Headers` for headers, numbers instead of BigInt where the value is safe,
// and typed error classes instead of raw `ComponentError` payloads.

import { webhooks, idempotency, retry, lifecycle, requests, credentials, reconciliation, addresses, alerts } from '../gen/paywit.js';
import { verifyCore } from './core-verify.js';

// ---------- errors ----------

/** Base class of every error paywit throws. `code` is the WIT case name. */
export class PaywitError extends Error {
  constructor(code, details, message) {
    super(message ?? code);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A webhook delivery did not verify. */
export class WebhookVerificationError extends PaywitError {}
/** `secrets` was empty. */
export class NoSecretsError extends WebhookVerificationError {}
/** A secret in the list cannot be used; `details.index` names it (never its value). */
export class UnusableSecretError extends WebhookVerificationError {}
/** A required header is absent; `details` is its name. */
export class MissingHeaderError extends WebhookVerificationError {}
/** A header is malformed or repeated with differing values. */
export class MalformedHeaderError extends WebhookVerificationError {}
/** The scheme signs the URL, but none was given. */
export class MissingUrlError extends WebhookVerificationError {}
/** The body cannot be canonicalised (NOWPayments). */
export class MalformedBodyError extends WebhookVerificationError {}
/** The signed timestamp is outside the replay window. */
export class TimestampOutsideToleranceError extends WebhookVerificationError {}
/** Well-formed, but no signature matches any secret. */
export class NoMatchingSignatureError extends WebhookVerificationError {}
/** An input is larger than paywit accepts. */
export class LimitExceededError extends WebhookVerificationError {}
/** A message could not be signed. */
export class WebhookSigningError extends PaywitError {}
/** An `Idempotency-Key` value was refused. */
export class IdempotencyKeyError extends PaywitError {}
/** A key policy or retry policy is out of range. */
export class PolicyError extends PaywitError {}
/** An amount string was refused. */
export class AmountError extends PaywitError {}
/** A refund is not possible. */
export class RefundError extends PaywitError {}
/** A signed API request was refused or could not be signed. */
export class RequestVerificationError extends PaywitError {}
/** A key must not be used where it is placed. */
export class KeyPlacementError extends PaywitError {}
/** A payout could not be reconciled. */
export class ReconciliationError extends PaywitError {}
/** An address is not valid for the network. */
export class AddressError extends PaywitError {}
/** An alert rule is inconsistent. */
export class AlertRuleError extends PaywitError {}

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

function plain(value) {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function describe(code, details) {
  if (details === undefined) return code;
  if (typeof details === 'string') return `${code}: ${details}`;
  return `${code}: ${JSON.stringify(details)}`;
}

/** Calls `fn`, turning a component `err` into an instance of `pick(code)`. */
function call(fn, pick) {
  try {
    return fn();
  } catch (error) {
    const payload = error?.payload;
    if (payload === undefined) throw error;
    const code = typeof payload === 'string' ? payload : payload.tag;
    const details = typeof payload === 'string' ? undefined : plain(payload.val);
    const ErrorClass = pick(code);
    throw new ErrorClass(code, details, describe(code, details));
  }
}

// ---------- inputs ----------

const toBig = (n) => (typeof n === 'bigint' ? n : BigInt(Math.trunc(n)));
const nowSeconds = () => Math.floor(Date.now() / 1000);

function schemeValue(scheme) {
  if (typeof scheme === 'string') return { tag: scheme };
  if (scheme && typeof scheme === 'object' && scheme.hmac) return { tag: 'hmac', val: scheme.hmac };
  if (scheme && typeof scheme === 'object' && 'tag' in scheme) return scheme;
  throw new TypeError('scheme must be a scheme name such as "stripe", or { hmac: { header, algorithm, encoding, prefix } }');
}

function schemeOut(scheme) {
  return scheme.tag === 'hmac' ? { hmac: scheme.val } : scheme.tag;
}

function bodyValue(body) {
  if (typeof body === 'string') return { tag: 'text', val: body };
  if (body instanceof Uint8Array) return { tag: 'bytes', val: body };
  if (body instanceof ArrayBuffer) return { tag: 'bytes', val: new Uint8Array(body) };
  throw new TypeError('body must be a string, Uint8Array, Buffer or ArrayBuffer: the raw body as received');
}

function headerList(headers) {
  if (headers == null) return [];
  if (typeof headers.forEach === 'function' && typeof headers.get === 'function' && !Array.isArray(headers)) {
    const out = [];
    headers.forEach((value, name) => out.push({ name, value: String(value) }));
    return out;
  }
  if (Array.isArray(headers)) {
    return headers.map((h) => (Array.isArray(h) ? { name: h[0], value: String(h[1]) } : { name: h.name, value: String(h.value) }));
  }
  const out = [];
  for (const [name, value] of Object.entries(headers)) {
    // Node's IncomingMessage.headers joins most repeats but keeps arrays for some; pass each.
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) out.push({ name, value: String(v) });
  }
  return out;
}

// ---------- webhooks ----------

/**
 * Verifies a webhook delivery. Throws a `WebhookVerificationError` subclass on failure.
 * @returns {{secretIndex: number, messageId?: string, signedAt?: number}}
 */
export function verifyWebhook(scheme, secrets, headers, body, options = {}) {
  const request = { headers: headerList(headers), body: bodyValue(body), url: options.url };
  const opts = { now: toBig(options.now ?? nowSeconds()), toleranceSeconds: options.toleranceSeconds };
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  const result = verifyCore(schemeValue(scheme), list, request, opts);
  if (result.ok) return plain(result.ok);
  const details = plain(result.err.val);
  const ErrorClass = VERIFY_ERRORS[result.err.tag] ?? WebhookVerificationError;
  throw new ErrorClass(result.err.tag, details, describe(result.err.tag, details));
}

/** Signs a message; returns the headers to send, as a plain object. */
export function signWebhook(scheme, secret, body, { id, signedAt, url } = {}) {
  const message = { body: bodyValue(body), id, signedAt: toBig(signedAt ?? nowSeconds()), url };
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

// ---------- idempotency ----------

/** A fresh UUIDv4 idempotency key. */
export function newIdempotencyKey() {
  return idempotency.newKey();
}

/** Parses an `Idempotency-Key` header value (token or quoted sf-string). */
export function parseIdempotencyKey(value) {
  return call(() => idempotency.parseKey(value), () => IdempotencyKeyError);
}

/** SHA-256 fingerprint of the logical request (JSON bodies canonicalised). */
export function fingerprint(method, path, body) {
  return idempotency.fingerprint(method, path, bodyValue(body));
}

/** 24 h retention, key required, 422 on mismatch. */
export function defaultKeyPolicy() {
  return idempotency.defaultPolicy();
}

function decisionOut(decision) {
  return decision.val === undefined ? { decision: decision.tag } : { decision: decision.tag, detail: decision.val };
}

function decisionIn({ decision, detail }) {
  return detail === undefined && decision !== 'replay' ? { tag: decision } : { tag: decision, val: detail };
}

function storedIn(stored) {
  return stored && { ...stored, firstSeen: toBig(stored.firstSeen) };
}

/**
 * Decides what to do with a request: `{decision: 'execute', detail: 'new-key'}`,
 * `{decision: 'replay', detail: responseRef}`, `'in-progress'`, `'mismatch'` or `'missing-key'`.
 */
export function decide(key, stored, fingerprintValue, { now = nowSeconds(), policy = defaultKeyPolicy() } = {}) {
  const decision = call(() => idempotency.decide(key ?? undefined, storedIn(stored ?? undefined), fingerprintValue, toBig(now), policy), () => PolicyError);
  return decisionOut(decision);
}

/** The RFC 9457 problem response for a refusal, or undefined. */
export function problemFor(decision, policy = defaultKeyPolicy()) {
  return idempotency.problemFor(decisionIn(decision), policy);
}

// ---------- retry ----------

function failureIn(failure) {
  return { ...failure };
}

/** Classifies a failed gateway call by the integration guide's table. */
export function classify(failure) {
  return retry.classify(failureIn(failure));
}

/** Parses a `Retry-After` value into milliseconds from `now` (seconds), or undefined. */
export function parseRetryAfter(value, now = nowSeconds()) {
  const ms = retry.parseRetryAfter(value, toBig(now));
  return ms === undefined ? undefined : Number(ms);
}

function policyIn(policy) {
  const schedule = policy.schedule.tag === 'explicit'
    ? { tag: 'explicit', val: BigUint64Array.from(policy.schedule.val.map((d) => BigInt(d))) }
    : { tag: 'exponential', val: { baseMs: toBig(policy.schedule.val.baseMs), multiplier: policy.schedule.val.multiplier, capMs: toBig(policy.schedule.val.capMs) } };
  return { schedule, maxAttempts: policy.maxAttempts, jitter: policy.jitter, maxDelayMs: toBig(policy.maxDelayMs) };
}

function policyOut(policy) {
  return plain({ ...policy, schedule: { tag: policy.schedule.tag, val: policy.schedule.tag === 'explicit' ? Array.from(policy.schedule.val, Number) : policy.schedule.val } });
}

/**
 * The next step after attempt `attempt` (from 1) failed: `{retryAfterMs}` or `{giveUp}`.
 * Pass `random` (a BigInt) for a deterministic jitter.
 */
export function nextStep(policy, attempt, failure, { now = nowSeconds(), random } = {}) {
  const step = call(
    () => (random === undefined
      ? retry.nextStep(policyIn(policy), attempt, failureIn(failure), toBig(now))
      : retry.nextStepWithRandom(policyIn(policy), attempt, failureIn(failure), toBig(now), toBig(random))),
    () => PolicyError,
  );
  return step.tag === 'retry-after-ms' ? { retryAfterMs: Number(step.val) } : { giveUp: step.val.tag === 'not-retryable' ? { notRetryable: step.val.val } : step.val.tag };
}

/** The guide's API schedule (1 s ... 10 min, equal jitter). */
export const apiPolicy = () => policyOut(retry.apiPolicy());
/** The guide's webhook redelivery schedule (1 s ... 24 h). */
export const webhookRedeliveryPolicy = () => policyOut(retry.webhookRedeliveryPolicy());
/** The Standard Webhooks example schedule (5 s ... 24 h). */
export const standardWebhooksPolicy = () => policyOut(retry.standardWebhooksPolicy());

// ---------- lifecycle ----------

const stateIn = (state) => state && { tag: state.kind, val: state.status };
const stateOut = (state) => state && { kind: state.tag, status: state.val };

/**
 * Applies an incoming state `{kind, status}` to the current one (or undefined):
 * `{outcome: 'advanced' | 'reversed', state}`, `{outcome: 'unchanged' | 'stale'}`,
 * or `{outcome: 'rejected', reason}`.
 */
export function apply(current, incoming) {
  const outcome = lifecycle.apply(stateIn(current ?? undefined), stateIn(incoming));
  if (outcome.tag === 'advanced' || outcome.tag === 'reversed') return { outcome: outcome.tag, state: stateOut(outcome.val) };
  if (outcome.tag === 'rejected') return { outcome: 'rejected', reason: outcome.val.tag ?? outcome.val };
  return { outcome: outcome.tag };
}

/** Maps a gateway event (and its object status) to `{kind, status}`, or undefined. */
export function mapEvent(gateway, eventType, objectStatus) {
  return stateOut(lifecycle.mapEvent(gateway, eventType, objectStatus ?? undefined));
}

/** Parses an amount of atomic units; returns it canonical. */
export function parseAmount(value) {
  return call(() => lifecycle.parseAmount(value), () => AmountError);
}

/**
 * Compares `received` with `expected` (decimal strings). `tolerance`: undefined,
 * `{atomic: '10'}` or `{basisPoints: 50}`.
 */
export function assessPayment(expected, received, tolerance) {
  const t = tolerance?.atomic !== undefined ? { tag: 'atomic', val: tolerance.atomic }
    : tolerance?.basisPoints !== undefined ? { tag: 'basis-points', val: tolerance.basisPoints } : { tag: 'none' };
  const result = call(() => lifecycle.assessPayment(expected, received, t), () => AmountError);
  return result.tag === 'exact' ? { verdict: 'exact' } : { verdict: result.tag, ...result.val };
}

/** Checks a refund; returns `{amount, remainingAfter}` or throws `RefundError`. */
export function refundable(captured, alreadyRefunded, requested) {
  return call(() => lifecycle.refundable(captured, alreadyRefunded, requested), () => RefundError);
}

/** Progress towards the required confirmations. */
export function confirmationStatus(confirmations, required) {
  return lifecycle.confirmationStatus(confirmations, required);
}

/** Confirmations a BTCPay-style speed policy requires. */
export function requiredConfirmations(speed, rbf = false) {
  return lifecycle.requiredConfirmations(speed, rbf);
}

// ---------- signed API requests ----------

/**
 * Signs an outbound API request; returns the five X-Paywit-* headers to add.
 * `nonce` defaults to a fresh UUID from the component's random source.
 */
export function signRequest(keyId, secret, { method, path, body = '', timestamp = nowSeconds(), nonce = newIdempotencyKey() }) {
  const request = { method, path, body: bodyValue(body), timestamp: toBig(timestamp), nonce };
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
  return plain(call(() => requests.verifyRequest(list, request, toBig(now), toleranceSeconds), () => RequestVerificationError));
}

// ---------- credentials ----------

/** What a gateway key is (`{provider, kind, mode}`), from its published prefix; never contains the key. */
export function classifyKey(key) {
  return credentials.classifyKey(key);
}

/** Returns what the key is if it may be used at `placement`; throws `KeyPlacementError` if not. */
export function checkKeyPlacement(key, placement) {
  return call(() => credentials.checkKeyPlacement(key, placement), () => KeyPlacementError);
}

/**
 * Whether to use or refresh an OAuth access token: `{action: 'use', seconds}` (refresh in),
 * `{action: 'refresh-now', seconds}` (expires in) or `{action: 'expired', seconds}` (ago).
 */
export function tokenStatus(issuedAt, expiresIn, { now = nowSeconds(), refreshSkewSeconds = 60 } = {}) {
  const advice = credentials.tokenStatus(toBig(issuedAt), expiresIn, toBig(now), refreshSkewSeconds);
  return { action: advice.tag, seconds: Number(advice.val) };
}

// ---------- reconciliation ----------

/**
 * The polling backstop for an object whose webhooks may be lost:
 * `{action: 'not-needed'}`, `{action: 'poll-now', seconds}` or `{action: 'wait', seconds}`.
 */
export function pollBackstop(state, lastEventAt, { now = nowSeconds() } = {}) {
  const decision = reconciliation.pollBackstop(stateIn(state), toBig(lastEventAt), toBig(now));
  return decision.val === undefined ? { action: decision.tag } : { action: decision.tag, seconds: Number(decision.val) };
}

/**
 * Checks a payout against its items `[{id, kind, amount}]` (and, if given, the
 * ids expected in it): `{itemsNet, match, difference?, missing, unexpected, duplicates}`.
 */
export function reconcilePayout(payoutAmount, items, expectedIds = []) {
  const report = call(() => reconciliation.reconcilePayout(payoutAmount, items, expectedIds), () => ReconciliationError);
  const { itemsNet, result, missing, unexpected, duplicates } = report;
  return {
    itemsNet: (itemsNet.negative ? '-' : '') + itemsNet.amount,
    match: result.tag,
    ...(result.val === undefined ? {} : { difference: result.val }),
    missing,
    unexpected,
    duplicates,
  };
}

// ---------- addresses ----------

/** Validates a crypto refund address for `network`: `{kind, checksummed}`, or throws `AddressError`. */
export function validateAddress(network, address) {
  return call(() => addresses.validateAddress(network, address), () => AddressError);
}

// ---------- alerts ----------

/** Alert at 5 %, recover below 2 %, at least 20 events, 3 windows in a row. */
export function defaultAlertRule() {
  return alerts.defaultAlertRule();
}

/** Evaluates the windows `[{successes, failures}]` (oldest first): 'alert', 'recover' or 'nothing'. */
export function evaluateAlert(windows, alerting, rule = defaultAlertRule()) {
  return call(() => alerts.evaluateAlert(windows, alerting, rule), () => AlertRuleError);
}
