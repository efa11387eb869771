// The fast path (src/core-verify.js: verify-packed, the headers as one field
// block) gives exactly what the generated `verify` (the header list) gives, on
// every vector, mutated variants and random inputs; its layout comes from gen/abi.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { webhooks } from '../src/index.js';
import { packHead, verifyPackedCore, LAYOUT } from '../src/core-verify.js';
import { fieldBlock, isFieldBlockError } from '../src/shapes.js';

const dir = new URL('../../../conformance/vectors/', import.meta.url);
const load = (file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')).vectors;
const vectors = [...load('webhook-signatures.json'), ...load('webhook-derived.json')];

/** The generated `verify`, answering {ok} or {err: {tag, val}} as the fast path does. */
function viaGlue(scheme, secrets, request, options) {
  try {
    return { ok: webhooks.verify(scheme, secrets, request, { now: options.now, toleranceSeconds: options.toleranceSeconds }) };
  } catch (e) {
    if (!(e instanceof webhooks.VerifyError)) throw e;
    return { err: e.details === undefined ? { tag: e.code } : { tag: e.code, val: e.details } };
  }
}
const fast = (scheme, secrets, request, options) => verifyPackedCore(packHead(scheme, secrets), fieldBlock(request.headers), request.body, request.url, options);
const schemeOf = (v) => (v.scheme === 'hmac' ? { tag: 'hmac', val: { ...v.hmac, prefix: v.hmac.prefix ?? undefined } } : { tag: v.scheme });
const secretsOf = (v) => v.secrets ?? (v.signing_key_seed_base64 ? [`whsk_${v.signing_key_seed_base64}`] : [v.secret]);

test('verify-packed on the fast path equals the generated verify on every vector and variant', () => {
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
        [secretsOf(v), { now: v.now ?? 0, toleranceSeconds: v.tolerance }],
        [[], { now: 0 }],
        [['whsec_', ...secretsOf(v)], { now: 0n }],
        [secretsOf(v), { now: BigInt(v.now ?? 0) + 100000n, toleranceSeconds: 7 }],
      ]) {
        const expected = viaGlue(schemeOf(v), secrets, request, options);
        assert.deepEqual(fast(schemeOf(v), secrets, request, options), expected, v.name);
        // The prepared head (layout version 2, what a Verifier sends) answers alike.
        let head;
        try {
          head = webhooks.preparePacked(schemeOf(v), secrets);
        } catch (e) {
          if (!(e instanceof webhooks.VerifyError)) throw e;
          assert.equal(expected.err?.tag === 'limit-exceeded' || expected.err?.tag === e.code, true, v.name);
        }
        if (head) assert.deepEqual(verifyPackedCore(head, fieldBlock(request.headers), request.body, request.url, options), expected, `${v.name} (prepared)`);
        compared++;
      }
    }
  }
  const huge = { headers: [{ name: 'X-Hub-Signature-256', value: 'a'.repeat(20000) }], body: { tag: 'text', val: '' } };
  assert.deepEqual(fast({ tag: 'github' }, ['k'], huge, { now: 0 }), viaGlue({ tag: 'github' }, ['k'], huge, { now: 0 }));
  assert.ok(compared > 1000, `compared ${compared}`);
});

test('random inputs answer alike on both paths', () => {
  let seed = 7;
  const next = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const alphabet = 'abcXYZ019=,.:;-_ é☃\t';
  const word = (n) => Array.from({ length: next(n) }, () => alphabet[next(alphabet.length)]).join('');
  const names = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'Stripe-Signature', 'X-Hub-Signature-256', 'X-Sig', 'x-square-hmacsha256-signature'];
  const schemes = [{ tag: 'standard-webhooks' }, { tag: 'stripe' }, { tag: 'github' }, { tag: 'square' }, { tag: 'hmac', val: { header: 'X-Sig', algorithm: 'sha512', encoding: 'base64', prefix: 'p=' } }];
  for (let i = 0; i < 400; i++) {
    const scheme = schemes[next(schemes.length)];
    const secrets = Array.from({ length: next(4) }, () => ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_', 'k'.repeat(1 + next(30)), word(12)][next(4)]);
    const headers = Array.from({ length: next(6) }, () => ({ name: names[next(names.length)], value: ['v1,' + word(44), 't=1700000000,v1=' + word(64), '1700000000', word(30)][next(4)] }));
    const request = { headers, body: { tag: 'bytes', val: new TextEncoder().encode(word(60)) }, url: next(2) ? undefined : `https://example.com/${word(8)}` };
    const options = { now: [0, 1700000000, -1][next(3)], toleranceSeconds: [undefined, 0, 300, 4294967295][next(4)] };
    const answer = fast(scheme, secrets, request, options);
    if (!isFieldBlockError(answer)) assert.deepEqual(answer, viaGlue(scheme, secrets, request, options), JSON.stringify({ scheme, secrets, headers }));
  }
});

test('the layout is read from gen/abi.js, not written by hand', () => {
  assert.deepEqual(LAYOUT.schemes.slice(0, 3), ['hmac', 'standard-webhooks', 'stripe']);
  assert.deepEqual(LAYOUT.error.cases.map((c) => c.name).slice(-2), ['no-matching-signature', 'limit-exceeded']);
});
