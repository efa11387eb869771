// paywit:gateway/reconciliation through the public API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pollBackstop, reconcilePayout, ReconciliationError, ReconciliationInvalidItemAmountError } from '../src/index.js';
import { runTable } from '../support/tables.js';

const NOW = 1_700_000_000;

test('conformance/tables/reconciliation.json', () => {
  assert.ok(runTable('reconciliation') >= 3);
});

test('reconciliation', () => {
  const processing = { tag: 'payment', val: 'processing' };
  assert.deepEqual(pollBackstop(processing, NOW, NOW + 900), { tag: 'poll-now', val: 900 });
  assert.deepEqual(pollBackstop(processing, NOW, NOW + 100), { tag: 'wait', val: 800n });
  assert.deepEqual(pollBackstop({ tag: 'payment', val: 'succeeded' }, NOW, NOW + 1e6), { tag: 'not-needed' });
  const items = [
    { id: 'ch_1', kind: 'charge', amount: '10000' }, { id: 'ch_2', kind: 'charge', amount: '5000' },
    { id: 're_1', kind: 'refund', amount: '2000' }, { id: 'fee_1', kind: 'fee', amount: '435' },
  ];
  assert.deepEqual(reconcilePayout('12565', items, ['ch_1', 'ch_2', 're_1', 'fee_1', 'ch_3']),
    { itemsNet: { negative: false, amount: '12565' }, result: { tag: 'exact' }, missing: ['ch_3'], unexpected: [], duplicates: [] });
  assert.deepEqual(reconcilePayout('12600', items, []).result, { tag: 'payout-higher', val: '35' });
  assert.deepEqual(reconcilePayout('0', [{ id: 'fee_9', kind: 'fee', amount: '120' }], []).itemsNet, { negative: true, amount: '120' });
  assert.throws(() => reconcilePayout('100', [{ id: 'ch_1', kind: 'charge', amount: '1.5' }], []),
    (e) => e instanceof ReconciliationError && e instanceof ReconciliationInvalidItemAmountError && e.details.index === 0 && e.details.error.tag === 'invalid-character');
});
