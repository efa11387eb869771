// Per-call medians of verifying one 1 KiB JSON body with a valid signature:
// paywit (through the component) vs npm standardwebhooks and stripe, in one run.
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { verifyWebhook, signWebhook } from '../src/index.js';

const body = JSON.stringify({ type: 'payment.succeeded', data: { id: 'pay_123', pad: 'x'.repeat(1024 - 64) } });
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = Math.floor(Date.now() / 1000);
const headers = signWebhook('standard-webhooks', secret, body, { id: 'msg_bench', signedAt: now });
const stripeSecret = 'whsec_bench_secret';
const stripe = new Stripe('sk_test_bench');
const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload: body, secret: stripeSecret, timestamp: now });
const peer = new Webhook(secret);

function medianMicros(fn) {
  let batch = 1;
  for (;;) { const t = performance.now(); for (let i = 0; i < batch; i++) fn(); if (performance.now() - t > 5) break; batch *= 2; }
  const samples = [];
  for (let s = 0; s < 31; s++) { const t = performance.now(); for (let i = 0; i < batch; i++) fn(); samples.push(((performance.now() - t) * 1000) / batch); }
  samples.sort((a, b) => a - b);
  return samples[15];
}

const rows = [
  ['paywit verifyWebhook (standard-webhooks)', medianMicros(() => verifyWebhook('standard-webhooks', secret, headers, body, { now }))],
  ['npm standardwebhooks verify', medianMicros(() => peer.verify(body, headers))],
  ['paywit verifyWebhook (stripe)', medianMicros(() => verifyWebhook('stripe', stripeSecret, { 'stripe-signature': stripeHeader }, body, { now }))],
  ['npm stripe constructEvent', medianMicros(() => stripe.webhooks.constructEvent(body, stripeHeader, stripeSecret))],
];
console.log(`node ${process.version}, body ${body.length} B\n`);
console.log('| call | median per call | vs paywit |');
console.log('|---|---|---|');
for (const [name, us] of rows) {
  const ours = name.includes('stripe') ? rows[2][1] : rows[0][1];
  console.log(`| ${name} | ${us.toFixed(2)} us | ${(us / ours).toFixed(2)}x |`);
}
