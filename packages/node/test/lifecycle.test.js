// paywit:gateway/lifecycle through the public API: the shared table, convergence, and the shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, mapEvent, assessPayment, parseAmount, refundable, confirmationStatus, requiredConfirmations, AmountError, RefundError, RefundOverRefundError } from '../src/index.js';
import { runTable } from '../support/tables.js';

test('conformance/tables/lifecycle.json', () => {
  assert.ok(runTable('lifecycle') >= 10);
});

test('lifecycles converge in every order', () => {
  const events = ['processing', 'succeeded', 'created', 'failed', 'succeeded'].map((status) => ({ tag: 'payment', val: status }));
  const fold = (list) => list.reduce((current, e) => {
    const o = apply(current, e);
    return o.tag === 'advanced' || o.tag === 'reversed' ? o.val : current;
  }, undefined);
  const permutations = (xs) => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
  for (const order of permutations(events)) assert.deepEqual(fold(order), { tag: 'payment', val: 'succeeded' });
  assert.deepEqual(apply({ tag: 'payout', val: 'paid' }, { tag: 'payout', val: 'failed' }), { tag: 'reversed', val: { tag: 'payout', val: 'failed' } });
  assert.deepEqual(apply({ tag: 'payout', val: 'paid' }, { tag: 'refund', val: 'failed' }), { tag: 'rejected', val: { tag: 'kind-mismatch' } });
  assert.deepEqual(mapEvent('btcpay', 'InvoicePaidAfterExpiration'), { tag: 'invoice', val: 'paid-late' });
  assert.equal(mapEvent('stripe', 'customer.created', null), undefined);
  assert.deepEqual(assessPayment('10000', '9949', { tag: 'basis-points', val: 50 }), { tag: 'underpaid', val: { amount: '51', withinTolerance: false } });
  assert.throws(() => parseAmount('1.5'), (e) => e instanceof AmountError && e.code === 'invalid-character' && e.details === 1);
  assert.throws(() => refundable('10000', '7500', '2501'), (e) => e instanceof RefundError && e instanceof RefundOverRefundError && e.details === '2500');
  assert.deepEqual(confirmationStatus(1, 6), { confirmed: false, remaining: 5 });
  assert.equal(requiredConfirmations('high-speed', true), 1);
});
