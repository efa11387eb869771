// paywit:gateway/credentials through the public API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyKey, checkKeyPlacement, tokenStatus, PlacementRefusalError, PlacementRefusalLiveKeyInTestError } from '../src/index.js';
import { runTable } from '../support/tables.js';

test('conformance/tables/credentials.json', () => {
  assert.ok(runTable('credentials') >= 5);
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
    assert.throws(() => checkKeyPlacement(key, placement), (e) => e instanceof PlacementRefusalError && e.code === code && e.details === undefined && !e.message.includes(key));
  }
  assert.throws(() => checkKeyPlacement('sk_live_abc', 'test-environment'), PlacementRefusalLiveKeyInTestError);
  assert.equal(checkKeyPlacement('pk_live_abc', 'browser').kind, 'publishable');
  assert.deepEqual(tokenStatus(1000, 3600, 60, 1000), { tag: 'use', val: 3540n });
  assert.deepEqual(tokenStatus(1000, 3600, 60, 4545), { tag: 'refresh-now', val: 55n });
  assert.deepEqual(tokenStatus(1000, 3600, 60, 9999), { tag: 'expired', val: 5399n });
});
