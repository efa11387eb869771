// Per-call medians of verifying a JSON body (2 B, 1 KiB, 64 KiB) with a valid signature:
// paywit (through the component) vs npm standardwebhooks and stripe, in one run.
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { verifyWebhook, signWebhook, Verifier } from '../src/index.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const stripeSecret = 'whsec_bench_secret';
const now = Math.floor(Date.now() / 1000);
const stripe = new Stripe('sk_test_bench');
const peer = new Webhook(secret);
const swVerifier = new Verifier('standard-webhooks', secret);
const stripeVerifier = new Verifier('stripe', stripeSecret);
/** A JSON body of `size` bytes (2: `{}`, the smallest a parser takes). */
const bodyOf = (size) => (size <= 2 ? '{}' : JSON.stringify({ type: 'payment.succeeded', data: { id: 'pay_123', pad: 'x'.repeat(size - 64) } }));

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

// [body length, name, call, index of the paywit row it is compared with]: like for like.
// npm standardwebhooks.verify and stripe's constructEvent both parse the JSON, so they are
// compared with paywit Verifier.verify + JSON.parse.
const calls = [];
for (const size of [2, 1024, 65536]) {
  const body = bodyOf(size);
  const headers = signWebhook('standard-webhooks', secret, body, { id: 'msg_bench', signedAt: now });
  const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload: body, secret: stripeSecret, timestamp: now });
  const stripeHeaders = { 'stripe-signature': stripeHeader };
  const first = calls.length;
  const rows = [
    ['paywit Verifier.verify + JSON.parse (standard-webhooks)', () => { swVerifier.verify(headers, body, { now }); return JSON.parse(body); }, 0],
    ['npm standardwebhooks verify (verifies and parses)', () => peer.verify(body, headers), 0],
    ['paywit Verifier.verify + JSON.parse (stripe)', () => { stripeVerifier.verify(stripeHeaders, body, { now }); return JSON.parse(body); }, 2],
    ['npm stripe constructEvent (verifies and parses)', () => stripe.webhooks.constructEvent(body, stripeHeader, stripeSecret), 2],
  ];
  if (size === 1024) {
    rows.push(
      ['paywit Verifier.verify (standard-webhooks, verify only)', () => swVerifier.verify(headers, body, { now }), 4],
      ['paywit verifyWebhook (standard-webhooks, one call)', () => verifyWebhook('standard-webhooks', secret, headers, body, { now }), 5],
      ['paywit Verifier.verify (stripe, verify only)', () => stripeVerifier.verify(stripeHeaders, body, { now }), 6],
      ['paywit verifyWebhook (stripe, one call)', () => verifyWebhook('stripe', stripeSecret, stripeHeaders, body, { now }), 7],
    );
  }
  for (const [name, fn, base] of rows) calls.push([body.length, name, fn, first + base]);
}
const samples = measure(calls.map(([, name, fn]) => [name, fn]));
console.log(`node ${process.version}, bodies of 2 B, 1 KiB and 64 KiB (JSON)\n`);
console.log('| body | call | median per call | vs its paywit row (median of per-round ratios; above 1: paywit faster) |');
console.log('|---|---|---|---|');
calls.forEach(([length, name, , base], c) => {
  const ratio = median(samples[c].map((us, round) => us / samples[base][round]));
  console.log(`| ${length} B | ${name} | ${median(samples[c]).toFixed(2)} us | ${ratio.toFixed(2)}x |`);
});
