// paywit:gateway/addresses through the public API: the shared vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateAddress, AddressError } from '../src/index.js';

const vectors = JSON.parse(readFileSync(new URL('../../../conformance/vectors/addresses.json', import.meta.url), 'utf8'));

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
