// Signed API requests, credentials, reconciliation, addresses and alerts through
// the Node package: the address vectors and the same tables as the Rust harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  signRequest, verifyRequest, RequestVerificationError, classifyKey, checkKeyPlacement, KeyPlacementError, tokenStatus,
  pollBackstop, reconcilePayout, ReconciliationError, validateAddress, AddressError, defaultAlertRule, evaluateAlert, AlertRuleError,
} from '../src/index.js';

const vectors = JSON.parse(readFileSync(new URL('../../../host-tests/vectors/addresses.json', import.meta.url), 'utf8'));

test('every address vector', () => {
  for (const v of vectors.valid) {
    const info = validateAddress(v.network, v.address);
    if (v.kind) assert.equal(info.kind, v.kind, v.address);
  }
  for (const v of vectors.invalid) {
    assert.throws(() => validateAddress(v.network, v.address), (e) => e instanceof AddressError && (!v.error || e.code === v.error), v.address);
  }
  assert.equal(vectors.valid.length + vectors.invalid.length, 37);
  const eth = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
  assert.deepEqual(validateAddress('ethereum', eth), { kind: 'ethereum', checksummed: true });
  assert.deepEqual(validateAddress('ethereum', eth.toLowerCase()), { kind: 'ethereum', checksummed: false });
  assert.throws(() => validateAddress('bitcoin-testnet', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'), (e) => e.code === 'wrong-network');
});

const NOW = 1_700_000_000;
const BODY = '{"charge":"ch_1","amount":500}';
const signed = () => signRequest('key_1', 's3cret', { method: 'POST', path: '/v1/refunds?x=1', body: BODY, timestamp: NOW, nonce: '0123456789abcdef0123' });

test('signed API requests round-trip and each refusal has its code', () => {
  const headers = signed();
  assert.equal(Object.keys(headers).length, 5);
  assert.ok(!JSON.stringify(headers).includes('s3cret'));
  const base = { method: 'POST', path: '/v1/refunds?x=1', headers, body: BODY, now: NOW + 10 };
  assert.deepEqual(verifyRequest({ key_1: 's3cret' }, base), { keyId: 'key_1', timestamp: NOW, nonce: '0123456789abcdef0123' });
  assert.equal(verifyRequest([{ keyId: 'key_1', secret: 'old' }, { keyId: 'key_1', secret: 's3cret' }], { ...base, body: Buffer.from(BODY) }).keyId, 'key_1');
  for (const [change, secrets, code] of [
    [{ path: '/v1/refunds' }, { key_1: 's3cret' }, 'no-matching-signature'],
    [{ body: '{}' }, { key_1: 's3cret' }, 'content-mismatch'],
    [{ now: NOW + 310 }, { key_1: 's3cret' }, 'timestamp-outside-tolerance'],
    [{}, { key_2: 's3cret' }, 'unknown-key-id'],
  ]) {
    assert.throws(() => verifyRequest(secrets, { ...base, ...change }), (e) => e instanceof RequestVerificationError && e.code === code && !e.message.includes('s3cret'), code);
  }
  const a = signRequest('k', 's', { method: 'GET', path: '/', timestamp: NOW });
  const b = signRequest('k', 's', { method: 'GET', path: '/', timestamp: NOW });
  const nonce = Object.keys(a).find((n) => n.toLowerCase().endsWith('nonce'));
  assert.notEqual(a[nonce], b[nonce]);
});

test('credentials', () => {
  assert.deepEqual(classifyKey('sk_live_abc'), { provider: 'stripe', kind: 'secret', mode: 'live' });
  assert.deepEqual(classifyKey('mystery'), { provider: '', kind: 'unknown', mode: 'unknown' });
  for (const [key, placement, code] of [
    ['sk_test_abc', 'browser', 'secret-in-browser'],
    ['mystery', 'browser', 'unrecognised-in-browser'],
    ['sk_live_abc', 'test-environment', 'live-key-in-test'],
    ['sk_test_abc', 'production-environment', 'test-key-in-production'],
  ]) {
    assert.throws(() => checkKeyPlacement(key, placement), (e) => e instanceof KeyPlacementError && e.code === code && !e.message.includes(key));
  }
  assert.equal(checkKeyPlacement('pk_live_abc', 'browser').kind, 'publishable');
  assert.deepEqual(tokenStatus(1000, 3600, { now: 1000 }), { action: 'use', seconds: 3540 });
  assert.deepEqual(tokenStatus(1000, 3600, { now: 4545 }), { action: 'refresh-now', seconds: 55 });
  assert.deepEqual(tokenStatus(1000, 3600, { now: 9999 }), { action: 'expired', seconds: 5399 });
});

test('reconciliation', () => {
  const processing = { kind: 'payment', status: 'processing' };
  assert.deepEqual(pollBackstop(processing, NOW, { now: NOW + 900 }), { action: 'poll-now', seconds: 900 });
  assert.deepEqual(pollBackstop(processing, NOW, { now: NOW + 100 }), { action: 'wait', seconds: 800 });
  assert.deepEqual(pollBackstop({ kind: 'payment', status: 'succeeded' }, NOW, { now: NOW + 1e6 }), { action: 'not-needed' });
  const items = [
    { id: 'ch_1', kind: 'charge', amount: '10000' }, { id: 'ch_2', kind: 'charge', amount: '5000' },
    { id: 're_1', kind: 'refund', amount: '2000' }, { id: 'fee_1', kind: 'fee', amount: '435' },
  ];
  assert.deepEqual(reconcilePayout('12565', items, ['ch_1', 'ch_2', 're_1', 'fee_1', 'ch_3']),
    { itemsNet: '12565', match: 'exact', missing: ['ch_3'], unexpected: [], duplicates: [] });
  assert.equal(reconcilePayout('12600', items).difference, '35');
  assert.equal(reconcilePayout('0', [{ id: 'fee_9', kind: 'fee', amount: '120' }]).itemsNet, '-120');
  assert.throws(() => reconcilePayout('100', [{ id: 'ch_1', kind: 'charge', amount: '1.5' }]),
    (e) => e instanceof ReconciliationError && e.code === 'invalid-item-amount' && e.details.index === 0);
});

test('alerts', () => {
  const rule = defaultAlertRule();
  assert.deepEqual(rule, { alertAtBasisPoints: 500, recoverBelowBasisPoints: 200, minEvents: 20, sustainedWindows: 3 });
  const w = (successes, failures) => ({ successes, failures });
  assert.equal(evaluateAlert([w(90, 10), w(90, 10), w(90, 10)], false), 'alert');
  assert.equal(evaluateAlert([w(90, 10), w(90, 10)], false), 'nothing');
  assert.equal(evaluateAlert([w(99, 1), w(99, 1), w(99, 1)], true, rule), 'recover');
  assert.throws(() => evaluateAlert([], false, { ...rule, alertAtBasisPoints: 200, recoverBelowBasisPoints: 500 }),
    (e) => e instanceof AlertRuleError && e.code === 'no-hysteresis');
});
