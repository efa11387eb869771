// The shared conformance vectors (host-tests/vectors), through the Node package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { verifyWebhook, signWebhook, WebhookVerificationError } from '../src/index.js';

const dir = new URL('../../../host-tests/vectors/', import.meta.url);
const read = (file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
const derived = read('webhook-derived.json');
const published = read('webhook-signatures.json').vectors.map((v) => (v.valid ? { ...v, expect: derived.published_expected[v.name] } : v));
const vectors = [...published, ...derived.vectors];

const schemeOf = (v) => (v.scheme === 'hmac' ? { hmac: { ...v.hmac, prefix: v.hmac.prefix ?? undefined } } : v.scheme);
const secretsOf = (v) => v.secrets ?? (v.signing_key_seed_base64 ? [`whsk_${v.signing_key_seed_base64}`] : [v.secret]);

test('every conformance vector', () => {
  assert.ok(vectors.length >= 39);
  for (const v of vectors) {
    const run = () => verifyWebhook(schemeOf(v), secretsOf(v), v.headers, v.body, { now: v.now ?? 0, toleranceSeconds: v.tolerance, url: v.url });
    if (v.valid) {
      const { secret_index: secretIndex, message_id: messageId, signed_at: signedAt } = v.expect;
      const wanted = { secretIndex, messageId: messageId ?? undefined, signedAt: signedAt ?? undefined };
      assert.deepEqual({ ...run() }, wanted, v.name);
    } else {
      assert.throws(run, (e) => e instanceof WebhookVerificationError && (!v.error || e.code === v.error), v.name);
    }
  }
});

test('bytes and string bodies verify identically', () => {
  for (const v of vectors.filter((v) => v.valid)) {
    const opts = { now: v.now ?? 0, toleranceSeconds: v.tolerance, url: v.url };
    const a = verifyWebhook(schemeOf(v), secretsOf(v), v.headers, v.body, opts);
    const b = verifyWebhook(schemeOf(v), secretsOf(v), new Headers(v.headers), Buffer.from(v.body, 'utf8'), opts);
    assert.deepEqual(a, b, v.name);
  }
});

test('signing reproduces the published Standard Webhooks and Stripe vectors', () => {
  const sw = vectors.find((v) => v.name === 'standard-webhooks-1');
  const headers = signWebhook('standard-webhooks', sw.secret, sw.body, { id: sw.headers['webhook-id'], signedAt: 1614265330 });
  assert.equal(headers['webhook-signature'], sw.headers['webhook-signature']);
  const stripe = vectors.find((v) => v.name === 'stripe-1');
  assert.equal(signWebhook('stripe', stripe.secret, stripe.body, { signedAt: 12345 })['Stripe-Signature'], stripe.headers['Stripe-Signature']);
});
