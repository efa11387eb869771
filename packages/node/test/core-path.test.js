// The fast core-ABI path for verify gives exactly what jco's glue gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { webhooks } from '../gen/paywit.js';
import { verifyCore } from '../src/core-verify.js';

const dir = new URL('../../../host-tests/vectors/', import.meta.url);
const load = (file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')).vectors;
const vectors = [...load('webhook-signatures.json'), ...load('webhook-derived.json')];

function viaGlue(scheme, secrets, request, options) {
  try {
    return { ok: webhooks.verify(scheme, secrets, request, options) };
  } catch (e) {
    if (e.payload === undefined) throw e;
    return { err: e.payload };
  }
}

const schemeOf = (v) => (v.scheme === 'hmac' ? { tag: 'hmac', val: { ...v.hmac, prefix: v.hmac.prefix ?? undefined } } : { tag: v.scheme });
const secretsOf = (v) => v.secrets ?? (v.signing_key_seed_base64 ? [`whsk_${v.signing_key_seed_base64}`] : [v.secret]);

test('core path equals glue path on every vector, mutated variants and limit cases', () => {
  let compared = 0;
  for (const v of vectors) {
    const headers = Object.entries(v.headers).map(([name, value]) => ({ name, value }));
    const variants = [
      { headers, body: { tag: 'text', val: v.body }, url: v.url },
      { headers, body: { tag: 'bytes', val: new TextEncoder().encode(v.body) }, url: v.url },
      { headers: headers.slice(1), body: { tag: 'text', val: v.body }, url: undefined },
      { headers: [...headers, { name: headers[0].name, value: 'x' }], body: { tag: 'text', val: v.body }, url: v.url },
      { headers: headers.map((h) => ({ ...h, value: `${h.value}00` })), body: { tag: 'text', val: `${v.body}é` }, url: v.url },
    ];
    for (const request of variants) {
      for (const [secrets, options] of [
        [secretsOf(v), { now: BigInt(v.now ?? 0), toleranceSeconds: v.tolerance }],
        [[], { now: 0n }],
        [['whsec_', ...secretsOf(v)], { now: 0n }],
        [secretsOf(v), { now: BigInt(v.now ?? 0) + 100000n, toleranceSeconds: 7 }],
      ]) {
        assert.deepEqual(verifyCore(schemeOf(v), secrets, request, options), viaGlue(schemeOf(v), secrets, request, options), v.name);
        compared++;
      }
    }
  }
  const huge = { headers: [{ name: 'X-Hub-Signature-256', value: 'a'.repeat(20000) }], body: { tag: 'text', val: '' } };
  assert.deepEqual(verifyCore({ tag: 'github' }, ['k'], huge, { now: 0n }), viaGlue({ tag: 'github' }, ['k'], huge, { now: 0n }));
  assert.ok(compared > 700, `compared ${compared}`);
});

test('verify-fields (headers as one field block) answers like verify on every vector', () => {
  let compared = 0;
  for (const v of vectors) {
    const headers = Object.entries(v.headers).map(([name, value]) => ({ name, value }));
    const block = headers.map((h) => `${h.name}: ${h.value}\r\n`).join('');
    const body = { tag: 'text', val: v.body };
    const options = { now: BigInt(v.now ?? 0), toleranceSeconds: v.tolerance };
    let fields;
    try {
      fields = { ok: webhooks.verifyFields(schemeOf(v), secretsOf(v), block, body, v.url, options) };
    } catch (e) {
      if (e.payload === undefined) throw e;
      fields = { err: e.payload };
    }
    assert.deepEqual(fields, viaGlue(schemeOf(v), secretsOf(v), { headers, body, url: v.url }, options), v.name);
    compared += 1;
  }
  assert.equal(compared, vectors.length);
});
