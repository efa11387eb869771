// The Node wrappers' shapes over every interface (the expected answers themselves
// are the shared tables in host-tests/tables, run by shared-tables.test.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as paywit from '../src/index.js';

test('typed errors carry the WIT case and never the secret', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const signed = paywit.signWebhook('standard-webhooks', secret, '{}', { id: 'msg_1', signedAt: 1000 });
  assert.throws(() => paywit.verifyWebhook('standard-webhooks', secret, signed, '{}', { now: 2000 }), (e) =>
    e instanceof paywit.TimestampOutsideToleranceError && e.details.secondsOutside === 700 && e.details.direction === 'past');
  assert.throws(() => paywit.verifyWebhook('standard-webhooks', [secret, 'whsec_'], signed, '{}', { now: 1000 }), (e) =>
    e instanceof paywit.UnusableSecretError && e.details.index === 1 && !e.message.includes(secret.slice(6)));
  assert.throws(() => paywit.verifyWebhook('stripe', 'k', {}, '{}'), paywit.MissingHeaderError);
  assert.throws(() => paywit.verifyWebhook('nope', 'k', {}, '{}'), Error);
  assert.equal(paywit.verifyWebhook('standard-webhooks', ['whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', secret], signed, '{}', { now: 1000 }).secretIndex, 1);
});

test('every scheme round-trips, with a fresh secret', () => {
  for (const info of paywit.schemes()) {
    const secret = paywit.newSecret(info.scheme);
    const body = info.name === 'nowpayments' ? '{"b":1,"a":"é"}' : 'héllo';
    const headers = paywit.signWebhook(info.scheme, secret, body, { id: 'msg_1', signedAt: 1_700_000_000, url: 'https://x.test/h' });
    assert.equal(paywit.verifyWebhook(info.scheme, secret, headers, body, { now: 1_700_000_000, url: 'https://x.test/h' }).secretIndex, 0, info.name);
  }
  const pair = paywit.newSigningKeyPair();
  assert.equal(paywit.publicKey(pair.signingKey), pair.publicKey);
});

test('idempotency decisions and problems', () => {
  const key = paywit.newIdempotencyKey();
  assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(paywit.parseIdempotencyKey(`"${key}"`), key);
  assert.throws(() => paywit.parseIdempotencyKey('a b'), (e) => e instanceof paywit.IdempotencyKeyError && e.code === 'invalid-character' && e.details === 1);
  const fp = paywit.fingerprint('POST', '/v1/charges', '{"b":1, "a":2}');
  assert.equal(fp, paywit.fingerprint('post', '/v1/charges', new TextEncoder().encode('{"a":2,"b":1}')));
  const stored = (completed) => ({ fingerprint: fp, firstSeen: 100, completed, responseRef: 'r1' });
  assert.deepEqual(paywit.decide(key, undefined, fp, { now: 200 }), { decision: 'execute', detail: 'new-key' });
  assert.deepEqual(paywit.decide(key, stored(true), fp, { now: 200 }), { decision: 'replay', detail: 'r1' });
  assert.deepEqual(paywit.decide(key, stored(false), fp, { now: 200 }), { decision: 'in-progress' });
  assert.deepEqual(paywit.decide(key, stored(true), 'other', { now: 200 }), { decision: 'mismatch' });
  assert.deepEqual(paywit.decide(undefined, undefined, fp, { now: 200 }), { decision: 'missing-key' });
  assert.deepEqual(paywit.decide(key, stored(true), fp, { now: 100 + 86400 }), { decision: 'execute', detail: 'expired-key' });
  assert.equal(paywit.problemFor({ decision: 'mismatch' }).status, 422);
  assert.equal(paywit.problemFor({ decision: 'in-progress' }).status, 409);
  assert.equal(paywit.problemFor({ decision: 'replay', detail: 'r1' }), undefined);
  const bad = { ...paywit.defaultKeyPolicy(), retentionSeconds: 5 };
  assert.throws(() => paywit.decide(key, undefined, fp, { policy: bad }), paywit.PolicyError);
});

test("the guide's retry table", () => {
  const rows = [
    // The whole table is host-tests/tables/retry.json (every host runs it); these check the wrapper's shapes.
    [{ status: 402, errorCode: 'card_declined' }, 'payment-declined', false],
    [{ transport: 'connection-reset' }, 'transport', true],
  ];
  for (const [failure, category, retry] of rows) {
    const c = paywit.classify(failure);
    assert.equal(c.category, category, JSON.stringify(failure));
    assert.equal(c.retry, retry, JSON.stringify(failure));
  }
  assert.equal(paywit.parseRetryAfter('120', 0), 120000);
  assert.equal(paywit.parseRetryAfter('Sun, 06 Nov 1994 08:50:37 GMT', 784111777), 60000);
  assert.equal(paywit.parseRetryAfter('soon'), undefined);
  const api = paywit.apiPolicy();
  assert.deepEqual(api.schedule.val, [1000, 3000, 10000, 30000, 120000, 600000]);
  const step = paywit.nextStep(api, 1, { status: 503 }, { now: 0 });
  assert.ok(step.retryAfterMs >= 500 && step.retryAfterMs <= 1000);
  assert.deepEqual(paywit.nextStep(api, 7, { status: 503 }, { now: 0, random: 1n }), { giveUp: 'attempts-exhausted' });
  assert.deepEqual(paywit.nextStep(api, 1, { status: 402 }, { now: 0 }), { giveUp: { notRetryable: 'payment-declined' } });
  assert.deepEqual(paywit.nextStep(api, 1, { status: 429, retryAfter: '20' }, { now: 0, random: 0n }), { retryAfterMs: 20000 });
});

test('lifecycles converge in every order', () => {
  const events = ['processing', 'succeeded', 'created', 'failed', 'succeeded'].map((status) => ({ kind: 'payment', status }));
  const fold = (list) => list.reduce((current, e) => {
    const o = paywit.apply(current, e);
    return o.state ?? current;
  }, undefined);
  const permutations = (xs) => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
  for (const order of permutations(events)) assert.deepEqual(fold(order), { kind: 'payment', status: 'succeeded' });
  assert.deepEqual(paywit.apply({ kind: 'payout', status: 'paid' }, { kind: 'payout', status: 'failed' }), { outcome: 'reversed', state: { kind: 'payout', status: 'failed' } });
  assert.deepEqual(paywit.apply({ kind: 'payout', status: 'paid' }, { kind: 'refund', status: 'failed' }), { outcome: 'rejected', reason: 'kind-mismatch' });
  assert.deepEqual(paywit.mapEvent('btcpay', 'InvoicePaidAfterExpiration'), { kind: 'invoice', status: 'paid-late' });
  assert.equal(paywit.mapEvent('stripe', 'customer.created'), undefined);
  assert.deepEqual(paywit.assessPayment('10000', '9949', { basisPoints: 50 }), { verdict: 'underpaid', amount: '51', withinTolerance: false });
  assert.throws(() => paywit.parseAmount('1.5'), (e) => e instanceof paywit.AmountError && e.code === 'invalid-character');
  assert.throws(() => paywit.refundable('10000', '7500', '2501'), (e) => e instanceof paywit.RefundError && e.details === '2500');
  assert.deepEqual(paywit.confirmationStatus(1, 6), { confirmed: false, remaining: 5 });
  assert.equal(paywit.requiredConfirmations('high-speed', true), 1);
});
