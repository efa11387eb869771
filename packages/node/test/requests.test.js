// paywit:gateway/requests through the public API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signRequest, verifyRequest, RequestError, newKey } from '../src/index.js';

const NOW = 1_700_000_000;
const BODY = { tag: 'text', val: '{"charge":"ch_1","amount":500}' };
const outbound = (extra = {}) => ({ method: 'POST', path: '/v1/refunds?x=1', body: BODY, timestamp: BigInt(NOW), nonce: '0123456789abcdef0123', ...extra });

test('signed API requests round-trip and each refusal has its code', () => {
  const headers = signRequest('key_1', 's3cret', outbound());
  assert.equal(headers.length, 5);
  assert.ok(!JSON.stringify(headers).includes('s3cret'));
  const request = { method: 'POST', path: '/v1/refunds?x=1', headers, body: BODY };
  assert.deepEqual(verifyRequest([{ keyId: 'key_1', secret: 's3cret' }], request, undefined, NOW + 10), { keyId: 'key_1', timestamp: BigInt(NOW), nonce: '0123456789abcdef0123' });
  const bytes = { tag: 'bytes', val: Buffer.from(BODY.val) };
  assert.equal(verifyRequest([{ keyId: 'key_1', secret: 'old' }, { keyId: 'key_1', secret: 's3cret' }], { ...request, body: bytes }, null, NOW).keyId, 'key_1');
  for (const [change, secrets, code, now] of [
    [{ path: '/v1/refunds' }, [{ keyId: 'key_1', secret: 's3cret' }], 'no-matching-signature', NOW],
    [{ body: { tag: 'text', val: '{}' } }, [{ keyId: 'key_1', secret: 's3cret' }], 'content-mismatch', NOW],
    [{}, [{ keyId: 'key_1', secret: 's3cret' }], 'timestamp-outside-tolerance', NOW + 310],
    [{}, [{ keyId: 'key_2', secret: 's3cret' }], 'unknown-key-id', NOW],
  ]) {
    assert.throws(() => verifyRequest(secrets, { ...request, ...change }, undefined, now), (e) => e instanceof RequestError && e.code === code && !e.message.includes('s3cret'), code);
  }
  const a = signRequest('k', 's', outbound({ nonce: newKey() }));
  const b = signRequest('k', 's', outbound({ nonce: newKey() }));
  const nonce = (hs) => hs.find((h) => h.name.toLowerCase().endsWith('nonce')).value;
  assert.notEqual(nonce(a), nonce(b));
});
