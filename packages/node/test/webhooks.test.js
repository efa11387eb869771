// paywit:gateway/webhooks through the public API: the shared conformance vectors
// (conformance/vectors) through verifyWebhook, Verifier and the generated
// `verify`/`verify-fields`, signing, every scheme's round trip, typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as paywit from '../src/index.js';

const { verifyWebhook, signWebhook, Verifier, webhooks, VerifyError } = paywit;
const dir = new URL('../../../conformance/vectors/', import.meta.url);
const read = (file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
const derived = read('webhook-derived.json');
const published = read('webhook-signatures.json').vectors.map((v) => (v.valid ? { ...v, expect: derived.published_expected[v.name] } : v));
const vectors = [...published, ...derived.vectors];

const schemeOf = (v) => (v.scheme === 'hmac' ? { hmac: { ...v.hmac, prefix: v.hmac.prefix ?? undefined } } : v.scheme);
const secretsOf = (v) => v.secrets ?? (v.signing_key_seed_base64 ? [`whsk_${v.signing_key_seed_base64}`] : [v.secret]);
const outcome = (call) => { try { return { ok: call() }; } catch (e) { return { name: e.name, code: e.code, details: e.details }; } };
const wanted = (v) => {
  const { secret_index: secretIndex, message_id: messageId, signed_at: signedAt } = v.expect;
  return { secretIndex, messageId: messageId ?? undefined, signedAt: signedAt == null ? undefined : BigInt(signedAt) };
};

test('every conformance vector through verifyWebhook', () => {
  assert.ok(vectors.length >= 39);
  for (const v of vectors) {
    const run = () => verifyWebhook(schemeOf(v), secretsOf(v), v.headers, v.body, { now: v.now ?? 0, toleranceSeconds: v.tolerance, url: v.url });
    if (v.valid) assert.deepEqual({ ...run() }, wanted(v), v.name);
    else assert.throws(run, (e) => e instanceof VerifyError && (!v.error || e.code === v.error), v.name);
  }
});

test('every conformance vector through the generated verify and verify-fields: the same answers', () => {
  for (const v of vectors) {
    const scheme = paywit.parseScheme(schemeOf(v));
    const headers = Object.entries(v.headers).map(([name, value]) => ({ name, value }));
    const body = { tag: 'text', val: v.body };
    const options = { now: v.now ?? 0, toleranceSeconds: v.tolerance ?? undefined };
    const expected = outcome(() => verifyWebhook(schemeOf(v), secretsOf(v), v.headers, v.body, { ...options, url: v.url }));
    assert.deepEqual(outcome(() => webhooks.verify(scheme, secretsOf(v), { headers, body, url: v.url ?? undefined }, options)), expected, v.name);
    const fields = headers.map((h) => `${h.name}: ${h.value}\r\n`).join('');
    assert.deepEqual(outcome(() => webhooks.verifyFields(scheme, secretsOf(v), fields, body, v.url, options)), expected, `${v.name} (fields)`);
  }
});

test('bytes and string bodies verify identically', () => {
  for (const v of vectors.filter((v) => v.valid)) {
    const opts = { now: v.now ?? 0, toleranceSeconds: v.tolerance, url: v.url };
    const a = verifyWebhook(schemeOf(v), secretsOf(v), v.headers, v.body, opts);
    const b = verifyWebhook(schemeOf(v), secretsOf(v), new Headers(v.headers), Buffer.from(v.body, 'utf8'), opts);
    const c = verifyWebhook(schemeOf(v), secretsOf(v), Object.entries(v.headers), new TextEncoder().encode(v.body).buffer, opts);
    assert.deepEqual(a, b, v.name);
    assert.deepEqual(a, c, v.name);
  }
});

test('signing reproduces the published Standard Webhooks and Stripe vectors', () => {
  const sw = vectors.find((v) => v.name === 'standard-webhooks-1');
  const headers = signWebhook('standard-webhooks', sw.secret, sw.body, { id: sw.headers['webhook-id'], signedAt: 1614265330 });
  assert.equal(headers['webhook-signature'], sw.headers['webhook-signature']);
  const stripe = vectors.find((v) => v.name === 'stripe-1');
  assert.equal(signWebhook('stripe', stripe.secret, stripe.body, { signedAt: 12345 })['Stripe-Signature'], stripe.headers['Stripe-Signature']);
});

test('typed errors carry the WIT case and never the secret', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const signed = signWebhook('standard-webhooks', secret, '{}', { id: 'msg_1', signedAt: 1000 });
  assert.throws(() => verifyWebhook('standard-webhooks', secret, signed, '{}', { now: 2000 }), (e) =>
    e instanceof paywit.VerifyTimestampOutsideToleranceError && e instanceof VerifyError && e instanceof paywit.PaywitError
    && e.details.secondsOutside === 700n && e.details.direction === 'past' && e.details.toleranceSeconds === 300);
  assert.throws(() => verifyWebhook('standard-webhooks', [secret, 'whsec_'], signed, '{}', { now: 1000 }), (e) =>
    e instanceof paywit.VerifyUnusableSecretError && e.details.index === 1 && !e.message.includes(secret.slice(6)));
  assert.throws(() => verifyWebhook('stripe', 'k', {}, '{}'), paywit.VerifyMissingHeaderError);
  assert.throws(() => verifyWebhook('nope', 'k', {}, '{}'), paywit.InvalidArgumentError);
  assert.equal(verifyWebhook('standard-webhooks', ['whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', secret], signed, '{}', { now: 1000 }).secretIndex, 1);
  assert.throws(() => webhooks.publicKey('whsk_!!'), (e) => e instanceof paywit.SecretProblemError && e instanceof paywit.SecretProblemBadEncodingError && e.code === 'bad-encoding');
});

test('every scheme round-trips, with a fresh secret', () => {
  const infos = webhooks.schemes();
  assert.equal(infos.length, 12);
  for (const info of infos) {
    const secret = webhooks.newSecret(info.scheme);
    const body = info.name === 'nowpayments' ? '{"b":1,"a":"é"}' : 'héllo';
    const headers = signWebhook(info.scheme, secret, body, { id: 'msg_1', signedAt: 1_700_000_000, url: 'https://x.test/h' });
    assert.equal(verifyWebhook(info.scheme, secret, headers, body, { now: 1_700_000_000, url: 'https://x.test/h' }).secretIndex, 0, info.name);
    const list = webhooks.sign(info.scheme, secret, { body: { tag: 'text', val: body }, id: 'msg_1', signedAt: 1_700_000_000n, url: 'https://x.test/h' });
    assert.deepEqual(Object.fromEntries(list.map((h) => [h.name, h.value])), headers, info.name);
  }
  const pair = webhooks.newSigningKeyPair();
  assert.equal(webhooks.publicKey(pair.signingKey), pair.publicKey);
});

test('a Verifier checks its secrets once and answers like verifyWebhook', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  assert.throws(() => new Verifier('standard-webhooks', [secret, 'whsec_!!']), (e) => e instanceof paywit.VerifyUnusableSecretError && e.details.index === 1 && !e.message.includes('!!'));
  assert.throws(() => new Verifier('stripe', []), paywit.VerifyNoSecretsError);
  assert.throws(() => new Verifier('stripe', 'whsec_x', { toleranceSeconds: -1 }), paywit.InvalidArgumentError);
  let compared = 0;
  for (const v of vectors) {
    let verifier;
    try {
      verifier = new Verifier(schemeOf(v), secretsOf(v), { toleranceSeconds: v.tolerance });
    } catch {
      assert.equal(v.valid, false, v.name);
      continue;
    }
    const options = { now: v.now ?? 0, url: v.url };
    assert.deepEqual(outcome(() => verifier.verify(v.headers, v.body, options)),
      outcome(() => verifyWebhook(schemeOf(v), secretsOf(v), v.headers, v.body, { ...options, toleranceSeconds: v.tolerance })), v.name);
    compared++;
  }
  assert.ok(compared >= 55, `compared ${compared}`);
});

test('headers a field block cannot carry take the header-list path with the same answer', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const signed = () => signWebhook('standard-webhooks', secret, '{}', { id: 'msg_1', signedAt: 1700000000 });
  const headers = { ...signed(), 'x-folded': 'a\r\n b', 'bad name': 'v' };
  assert.equal(verifyWebhook('standard-webhooks', secret, headers, '{}', { now: 1700000000 }).secretIndex, 0);
  const forged = [...Object.entries(signed()), ['X-Note', 'x\r\nwebhook-signature: v1,AAAA']];
  assert.equal(verifyWebhook('standard-webhooks', secret, forged, '{}', { now: 1700000000 }).secretIndex, 0);
  assert.equal(verifyWebhook('standard-webhooks', secret, signed(), '{}', { now: 1700000000, url: null }).messageId, 'msg_1');
  assert.ok(signWebhook('stripe', 'whsec_x', '{}', { signedAt: 1, url: null })['Stripe-Signature']);
});
