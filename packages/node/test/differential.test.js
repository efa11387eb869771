// Differential test against npm standardwebhooks, svix and stripe: randomised
// secrets, ids, timestamps and bodies (empty and non-ASCII included), signed
// by the peer and verified by paywit, and the other way round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import Stripe from 'stripe';
import * as paywit from '../src/index.js';

const stripe = new Stripe('sk_test_differential');
const CASES = 150;
const ALPHABET = [...'abcXYZ019 {}[]":,./\\\n\t-_é☃€日本😀'];
let seed = 0x2545f4914f6cdd1dn;
const next = () => { seed ^= (seed << 13n) & 0xffffffffffffffffn; seed ^= seed >> 7n; seed ^= (seed << 17n) & 0xffffffffffffffffn; return Number(seed % 1000000007n); };
const body = () => (next() % 10 === 0 ? '' : Array.from({ length: next() % 300 }, () => ALPHABET[next() % ALPHABET.length]).join(''));
// Peers that JSON-parse after verifying get a JSON body carrying the random text.
const jsonBody = () => (next() % 2 ? JSON.stringify({ note: body(), amount: next() }) : `{ "note" : ${JSON.stringify(body())} }`);
const swSecret = () => `whsec_${Buffer.from(Array.from({ length: 24 + (next() % 3) * 8 }, () => next() % 256)).toString('base64')}`;
const now = Math.floor(Date.now() / 1000);

for (const [peer, Peer] of [['standardwebhooks', StandardWebhook], ['svix', SvixWebhook]]) {
  test(`${peer} signs, paywit verifies; paywit signs, ${peer} verifies`, () => {
    let agreed = 0;
    for (let i = 0; i < CASES; i++) {
      const secret = swSecret();
      const payload = peer === 'standardwebhooks' ? jsonBody() : body();
      const id = `msg_${next().toString(36)}`;
      const ts = new Date((now - (next() % 200)) * 1000);
      const signature = new Peer(secret).sign(id, ts, payload);
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)), 'webhook-signature': signature };
      assert.equal(paywit.verifyWebhook('standard-webhooks', secret, headers, payload, { now }).secretIndex, 0);
      assert.throws(() => paywit.verifyWebhook('standard-webhooks', secret, headers, `${payload} `, { now }), paywit.VerifyNoMatchingSignatureError);
      const ours = paywit.signWebhook('standard-webhooks', secret, payload, { id, signedAt: Math.floor(ts.getTime() / 1000) });
      assert.equal(ours['webhook-signature'], signature, 'byte-identical signatures');
      new Peer(secret).verify(payload, ours); // throws on disagreement
      agreed++;
    }
    assert.equal(agreed, CASES);
  });
}

test('stripe signs, paywit verifies; paywit signs, stripe verifies', () => {
  for (let i = 0; i < CASES; i++) {
    const secret = `whsec_${next().toString(36)}${next().toString(36)}`;
    const payload = jsonBody();
    const timestamp = now - (next() % 200);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    assert.equal(paywit.verifyWebhook('stripe', secret, { 'Stripe-Signature': header }, payload, { now }).secretIndex, 0);
    const ours = paywit.signWebhook('stripe', secret, payload, { signedAt: timestamp });
    assert.equal(ours['Stripe-Signature'], header);
    assert.deepEqual(stripe.webhooks.constructEvent(payload, ours['Stripe-Signature'], secret), JSON.parse(payload));
    assert.throws(() => stripe.webhooks.constructEvent(`${payload} `, ours['Stripe-Signature'], secret));
  }
});
