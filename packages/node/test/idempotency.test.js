// paywit:gateway/idempotency through the public API: the shared table, and the shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idempotency, newKey, parseKey, fingerprint, decide, defaultPolicy, problemFor, KeyError, KeyInvalidCharacterError } from '../src/index.js';
import { runTable } from '../support/tables.js';

test('conformance/tables/idempotency.json', () => {
  assert.ok(runTable('idempotency') >= 5);
});

test('idempotency decisions and problems', () => {
  const key = newKey();
  assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseKey(`"${key}"`), key);
  assert.throws(() => parseKey('a b'), (e) => e instanceof KeyError && e instanceof KeyInvalidCharacterError && e.code === 'invalid-character' && e.details === 1);
  const fp = fingerprint('POST', '/v1/charges', { tag: 'text', val: '{"b":1, "a":2}' });
  assert.equal(fp, fingerprint('post', '/v1/charges', { tag: 'bytes', val: new TextEncoder().encode('{"a":2,"b":1}') }));
  const policy = defaultPolicy();
  const stored = (completed) => ({ fingerprint: fp, firstSeen: 100n, completed, responseRef: 'r1' });
  assert.deepEqual(decide(key, undefined, fp, policy, 200), { tag: 'execute', val: 'new-key' });
  assert.deepEqual(decide(key, stored(true), fp, policy, 200), { tag: 'replay', val: 'r1' });
  assert.deepEqual(decide(key, stored(false), fp, policy, 200), { tag: 'in-progress' });
  assert.deepEqual(decide(key, stored(true), 'other', policy, 200), { tag: 'mismatch' });
  assert.deepEqual(decide(null, null, fp, policy, 200), { tag: 'missing-key' });
  assert.deepEqual(decide(key, stored(true), fp, policy, 100 + 86400), { tag: 'execute', val: 'expired-key' });
  assert.equal(problemFor({ tag: 'mismatch' }, policy).status, 422);
  assert.equal(problemFor({ tag: 'in-progress' }, policy).status, 409);
  assert.equal(problemFor({ tag: 'replay', val: 'r1' }, policy), undefined);
  assert.throws(() => decide(key, undefined, fp, { ...policy, retentionSeconds: 5 }), (e) => e instanceof idempotency.PolicyError && e.code === 'retention-out-of-range' && e.details === 5);
});
