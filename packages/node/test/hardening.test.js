// Arguments outside their WIT type's range or shape are refused with a typed
// error before anything reaches the component (issue 12): the generated checks
// of every public function, and the webhook surface's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as paywit from '../src/index.js';
import { currentInstance } from '../src/runtime.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const signed = (signedAt = 1700000000) => paywit.signWebhook('standard-webhooks', secret, '{}', { id: 'msg_1', signedAt });
const api = paywit.apiPolicy();

test('a negative toleranceSeconds never turns the replay window off', () => {
  const hourOld = signed();
  assert.throws(() => paywit.verifyWebhook('standard-webhooks', secret, hourOld, '{}', { now: 1700003600, toleranceSeconds: -1 }), paywit.InvalidArgumentError);
  assert.throws(() => paywit.verifyWebhook('standard-webhooks', secret, hourOld, '{}', { now: 1700003600 }), paywit.VerifyTimestampOutsideToleranceError);
});

const OUT_OF_RANGE = {
  'verify tolerance 2**32': [() => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { toleranceSeconds: 2 ** 32 }), 'toleranceSeconds'],
  'verify tolerance 1.5': [() => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { toleranceSeconds: 1.5 }), 'toleranceSeconds'],
  'verify now fractional': [() => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { now: 1.5 }), 'now'],
  'verify now 2**63': [() => paywit.verifyWebhook('standard-webhooks', secret, signed(), '{}', { now: 2n ** 63n }), 'now'],
  'generated verify now': [() => paywit.webhooks.verify({ tag: 'stripe' }, ['k'], { headers: [], body: { tag: 'text', val: '' } }, { now: 0.5 }), 'options.now'],
  'generated verify header': [() => paywit.webhooks.verify({ tag: 'stripe' }, ['k'], { headers: [{ name: 'a', value: 1 }], body: { tag: 'text', val: '' } }, {}), 'request.headers[0].value'],
  'sign signedAt': [() => paywit.signWebhook('stripe', 'whsec_x', '{}', { signedAt: 1.5 }), 'message.signedAt'],
  'decide now': [() => paywit.decide('k', undefined, 'f'.repeat(64), paywit.defaultPolicy(), -(2 ** 64)), 'now'],
  'parseRetryAfter now': [() => paywit.parseRetryAfter('120', Number.MAX_VALUE), 'now'],
  'nextStep attempt': [() => paywit.nextStep(api, -1, { status: 500 }, 0), 'attempt'],
  'nextStepWithRandom random': [() => paywit.nextStepWithRandom(api, 1, { status: 500 }, -1n, 0), 'random'],
  'nextStep schedule element': [() => paywit.nextStep({ ...api, schedule: { tag: 'explicit', val: [1, 2 ** 64] } }, 1, {}, 0), 'policy.schedule.val[1]'],
  'nextStep jitter': [() => paywit.nextStep({ ...api, jitter: 'lots' }, 1, {}, 0), 'policy.jitter'],
  'nextStep status': [() => paywit.nextStep(api, 1, { status: 70000 }, 0), 'failure.status'],
  'confirmationStatus': [() => paywit.confirmationStatus(-1, 3), 'confirmations'],
  'assessPayment basis points': [() => paywit.assessPayment('100', '99', { tag: 'basis-points', val: -5 }), 'tolerance.val'],
  'assessPayment unknown case': [() => paywit.assessPayment('100', '99', { tag: 'percent', val: 5 }), 'tolerance.tag'],
  'verifyRequest tolerance': [() => paywit.verifyRequest([{ keyId: 'k', secret: 's' }], { method: 'POST', path: '/', headers: [], body: { tag: 'text', val: '' } }, -1, 0), 'toleranceSeconds'],
  'signRequest timestamp': [() => paywit.signRequest('k', 's', { method: 'POST', path: '/', body: { tag: 'text', val: '' }, timestamp: 0.5, nonce: 'n' }), 'request.timestamp'],
  'tokenStatus expiresIn': [() => paywit.tokenStatus(0, -3600, 60, 0), 'expiresIn'],
  'pollBackstop lastEventAt': [() => paywit.pollBackstop({ tag: 'payment', val: 'processing' }, 2 ** 70, 0), 'lastEventAt'],
  'evaluateAlert window': [() => paywit.evaluateAlert([{ successes: -1, failures: 0 }], false, paywit.defaultAlertRule()), 'windows[0].successes'],
  'fingerprint method': [() => paywit.fingerprint(null, '/', { tag: 'text', val: '' }), 'method'],
  'fingerprint body bytes': [() => paywit.fingerprint('GET', '/', { tag: 'bytes', val: [1, 2] }), 'body.val'],
  'validateAddress network': [() => paywit.validateAddress('dogecoin', 'x'), 'network'],
  'requiredConfirmations rbf': [() => paywit.requiredConfirmations('high-speed', 1), 'rbf'],
  'apply state': [() => paywit.apply(undefined, 'payment'), 'incoming'],
};

for (const [name, [call, path]] of Object.entries(OUT_OF_RANGE)) {
  test(`out of range: ${name}`, () => {
    assert.throws(call, (e) => e instanceof paywit.InvalidArgumentError && e.code === 'invalid-argument' && e.details.argument === path, path);
  });
}

test('a refused argument never touches the guest, and a string is never echoed', () => {
  paywit.classify({});
  const before = currentInstance();
  const view = new Uint8Array(before.memory.buffer);
  const snapshot = view.slice();
  const secretText = 'sk_live_do_not_echo_me';
  assert.throws(() => paywit.signRequest('k', secretText, { method: 'POST', path: '/', body: { tag: 'text', val: '' }, timestamp: 1n, nonce: 7 }),
    (e) => e instanceof paywit.InvalidArgumentError && !e.message.includes(secretText) && e.details.got === '7');
  assert.throws(() => paywit.checkKeyPlacement(secretText, 'everywhere'), (e) => !e.message.includes('everywhere') && e.details.got === 'string');
  assert.equal(currentInstance(), before);
  assert.deepEqual(new Uint8Array(before.memory.buffer), snapshot, 'no byte of guest memory changed');
});

test('64-bit values: safe integers or BigInts in, BigInts out, never rounded', () => {
  assert.equal(paywit.parseRetryAfter('120', 0n), 120000n);
  assert.equal(paywit.parseRetryAfter('120', 0), 120000n);
  assert.throws(() => paywit.parseRetryAfter('120', 2 ** 53), paywit.InvalidArgumentError, 'an unsafe number is refused, not rounded');
  const big = (1n << 63n) - 1n;
  const d = paywit.tokenStatus(big - 10n, 5, 0, big - 20n);
  assert.equal(typeof d.val, 'bigint');
  assert.equal(paywit.pollBackstop({ tag: 'payment', val: 'processing' }, 0n, 100n).tag, 'wait');
});

test('null for an optional argument is treated as absent', () => {
  assert.deepEqual(paywit.mapEvent('stripe', 'payment_intent.succeeded', null), paywit.mapEvent('stripe', 'payment_intent.succeeded'));
  assert.deepEqual(paywit.classify({ status: null, transport: null }), paywit.classify({}));
});
