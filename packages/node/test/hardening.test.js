// Arguments outside their WIT type's range are refused with a typed error
// before anything reaches the component (issue 12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as paywit from '../src/index.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const signed = (signedAt = 1700000000) => paywit.signWebhook('standard-webhooks', secret, '{}', { id: 'msg_1', signedAt });

test('a negative toleranceSeconds never turns the replay window off', () => {
  const hourOld = signed();
  assert.throws(() => paywit.verifyWebhook('standard-webhooks', secret, hourOld, '{}', { now: 1700003600, toleranceSeconds: -1 }), paywit.InvalidArgumentError);
  assert.throws(() => paywit.verifyWebhook('standard-webhooks', secret, hourOld, '{}', { now: 1700003600 }), paywit.TimestampOutsideToleranceError);
});

const OUT_OF_RANGE = {
  'verify tolerance 2**32': () => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { toleranceSeconds: 2 ** 32 }),
  'verify tolerance 1.5': () => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { toleranceSeconds: 1.5 }),
  'verify now fractional': () => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { now: 1.5 }),
  'verify now 2**63': () => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { now: 2n ** 63n }),
  'sign signedAt': () => paywit.signWebhook('stripe', 'whsec_x', '{}', { signedAt: 1.5 }),
  'decide now': () => paywit.decide('k', undefined, 'f'.repeat(64), { now: -(2 ** 64) }),
  'parseRetryAfter now': () => paywit.parseRetryAfter('120', Number.MAX_VALUE),
  'nextStep attempt': () => paywit.nextStep(paywit.apiPolicy(), -1, { status: 500 }, { now: 0 }),
  'nextStep random': () => paywit.nextStep(paywit.apiPolicy(), 1, { status: 500 }, { now: 0, random: -1n }),
  'confirmationStatus': () => paywit.confirmationStatus(-1, 3),
  'assessPayment basis points': () => paywit.assessPayment('100', '99', { basisPoints: -5 }),
  'verifyRequest tolerance': () => paywit.verifyRequest({ k: 's' }, { method: 'POST', path: '/', headers: {}, body: '', now: 0, toleranceSeconds: -1 }),
  'signRequest timestamp': () => paywit.signRequest('k', 's', { method: 'POST', path: '/', timestamp: 0.5 }),
  'tokenStatus expiresIn': () => paywit.tokenStatus(0, -3600, { now: 0 }),
  'pollBackstop lastEventAt': () => paywit.pollBackstop({ kind: 'payment', status: 'processing' }, 2 ** 70, { now: 0 }),
  'evaluateAlert window': () => paywit.evaluateAlert([{ successes: -1, failures: 0 }], false),
  'fingerprint method': () => paywit.fingerprint(null, '/', ''),
};

for (const [name, call] of Object.entries(OUT_OF_RANGE)) {
  test(`out of range: ${name}`, () => {
    assert.throws(call, (e) => e instanceof paywit.InvalidArgumentError && e.code === 'invalid-argument');
  });
}

test('null for an optional argument is treated as absent, not a host exception mid-lowering', () => {
  assert.ok(paywit.signWebhook('stripe', 'whsec_x', '{}', { signedAt: 1, url: null })['Stripe-Signature']);
  const headers = signed();
  assert.equal(paywit.verifyWebhook('standard-webhooks', secret, headers, '{}', { now: 1700000000, url: null }).messageId, 'msg_1');
});

test('headers a field block cannot carry take the general path with the same answer', () => {
  const headers = { ...signed(), 'x-folded': 'a\r\n b', 'bad name': 'v' };
  assert.equal(paywit.verifyWebhook('standard-webhooks', secret, headers, '{}', { now: 1700000000 }).secretIndex, 0);
  const forged = [...Object.entries(signed()), ['X-Note', 'x\r\nwebhook-signature: v1,AAAA']];
  assert.equal(paywit.verifyWebhook('standard-webhooks', secret, forged, '{}', { now: 1700000000 }).secretIndex, 0);
});

test('a Verifier checks its secrets once and answers like verifyWebhook', async () => {
  assert.throws(() => new paywit.Verifier('standard-webhooks', [secret, 'whsec_!!']), (e) => e instanceof paywit.UnusableSecretError && e.details.index === 1 && !e.message.includes('!!'));
  assert.throws(() => new paywit.Verifier('stripe', []), paywit.NoSecretsError);
  assert.throws(() => new paywit.Verifier('stripe', 'whsec_x', { toleranceSeconds: -1 }), paywit.InvalidArgumentError);
  const { readFileSync } = await import('node:fs');
  const dir = new URL('../../../host-tests/vectors/', import.meta.url);
  const load = (file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')).vectors;
  let compared = 0;
  for (const v of [...load('webhook-signatures.json'), ...load('webhook-derived.json')]) {
    const scheme = v.scheme === 'hmac' ? { hmac: { ...v.hmac, prefix: v.hmac.prefix ?? undefined } } : v.scheme;
    const secrets = v.secrets ?? (v.signing_key_seed_base64 ? [`whsk_${v.signing_key_seed_base64}`] : [v.secret]);
    const outcome = (call) => { try { return call(); } catch (e) { return { code: e.code, details: e.details }; } };
    let verifier;
    try {
      verifier = new paywit.Verifier(scheme, secrets, { toleranceSeconds: v.tolerance });
    } catch (e) {
      assert.equal(v.valid, false, v.name);
      continue;
    }
    const options = { now: v.now ?? 0, url: v.url };
    assert.deepEqual(outcome(() => verifier.verify(v.headers, v.body, options)),
      outcome(() => paywit.verifyWebhook(scheme, secrets, v.headers, v.body, { ...options, toleranceSeconds: v.tolerance })), v.name);
    compared++;
  }
  assert.ok(compared >= 55, `compared ${compared}`);
});
