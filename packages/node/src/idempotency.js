// paywit:gateway/idempotency (wit/idempotency.wit).

import { checked } from './abi.js';
import { IdempotencyKeyError, PolicyError } from './errors.js';
import { call, nowSeconds, bodyValue } from './shapes.js';

/** The jco bindings of idempotency, every argument checked against the WIT first. */
const idempotency = checked('idempotency');

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
  return stored && { ...stored, firstSeen: stored.firstSeen };
}

/**
 * Decides what to do with a request: `{decision: 'execute', detail: 'new-key'}`,
 * `{decision: 'replay', detail: responseRef}`, `'in-progress'`, `'mismatch'` or `'missing-key'`.
 */
export function decide(key, stored, fingerprintValue, { now = nowSeconds(), policy = defaultKeyPolicy() } = {}) {
  const decision = call(() => idempotency.decide(key ?? undefined, storedIn(stored ?? undefined), fingerprintValue, now, policy), () => PolicyError);
  return decisionOut(decision);
}

/** The RFC 9457 problem response for a refusal, or undefined. */
export function problemFor(decision, policy = defaultKeyPolicy()) {
  return idempotency.problemFor(decisionIn(decision), policy);
}
