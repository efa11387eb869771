// Per-call medians of verifying one 1 KiB JSON body with a valid signature:
// paywit (through the component) vs npm standardwebhooks and stripe, in one run.
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { verifyWebhook, signWebhook, Verifier } from '../src/index.js';

const body = JSON.stringify({ type: 'payment.succeeded', data: { id: 'pay_123', pad: 'x'.repeat(1024 - 64) } });
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = Math.floor(Date.now() / 1000);
const headers = signWebhook('standard-webhooks', secret, body, { id: 'msg_bench', signedAt: now });
const stripeSecret = 'whsec_bench_secret';
const stripe = new Stripe('sk_test_bench');
const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload: body, secret: stripeSecret, timestamp: now });
const peer = new Webhook(secret);

// Interleaved: every round times one batch of each call, so a slow spell of the
// machine hits all of them alike; ratios are medians of the per-round ratios.
function batchSize(fn) {
  let batch = 1;
  for (;;) { const t = performance.now(); for (let i = 0; i < batch; i++) fn(); if (performance.now() - t > 5) return batch; batch *= 2; }
}
function measure(calls) {
  const batches = calls.map(([, fn]) => batchSize(fn));
  const samples = calls.map(() => []);
  for (let round = 0; round < 31; round++) {
    calls.forEach(([, fn], c) => {
      const t = performance.now();
      for (let i = 0; i < batches[c]; i++) fn();
      samples[c].push(((performance.now() - t) * 1000) / batches[c]);
    });
  }
  return samples;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// [name, call, index of the paywit row it is compared with]: like for like.
// npm standardwebhooks.verify and stripe's constructEvent both parse the JSON,
// so they are compared with paywit verify + JSON.parse.
const stripeHeaders = { 'stripe-signature': stripeHeader };
const swVerifier = new Verifier('standard-webhooks', secret);
const stripeVerifier = new Verifier('stripe', stripeSecret);
const calls = [
  ['paywit verifyWebhook (standard-webhooks)', () => verifyWebhook('standard-webhooks', secret, headers, body, { now }), 0],
  ['paywit Verifier.verify (standard-webhooks)', () => swVerifier.verify(headers, body, { now }), 1],
  ['paywit Verifier.verify + JSON.parse (standard-webhooks)', () => { swVerifier.verify(headers, body, { now }); return JSON.parse(body); }, 2],
  ['npm standardwebhooks verify (verifies and parses)', () => peer.verify(body, headers), 2],
  ['paywit verifyWebhook (stripe)', () => verifyWebhook('stripe', stripeSecret, stripeHeaders, body, { now }), 4],
  ['paywit Verifier.verify (stripe)', () => stripeVerifier.verify(stripeHeaders, body, { now }), 5],
  ['paywit Verifier.verify + JSON.parse (stripe)', () => { stripeVerifier.verify(stripeHeaders, body, { now }); return JSON.parse(body); }, 6],
  ['npm stripe constructEvent (verifies and parses)', () => stripe.webhooks.constructEvent(body, stripeHeader, stripeSecret), 6],
];
const samples = measure(calls);
console.log(`node ${process.version}, body ${body.length} B\n`);
console.log('| call | median per call | vs its paywit row (median of per-round ratios; above 1: paywit faster) |');
console.log('|---|---|---|');
calls.forEach(([name, , base], c) => {
  const ratio = median(samples[c].map((us, round) => us / samples[base][round]));
  console.log(`| ${name} | ${median(samples[c]).toFixed(2)} us | ${ratio.toFixed(2)}x |`);
});
