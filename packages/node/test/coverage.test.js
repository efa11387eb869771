// Binding drift: every function the component exports has a JavaScript wrapper.
// A new WIT function fails this test until it is wrapped (and listed here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as paywit from '../src/index.js';
import { runtime } from '../src/runtime.js';

const gen = runtime().glue;

const WRAPPED_BY = {
  webhooks: { verify: 'verifyWebhook', verifyFields: 'verifyWebhook', verifyPacked: 'Verifier', preparePacked: 'Verifier', sign: 'signWebhook', schemes: 'schemes', newSecret: 'newSecret', newSigningKeyPair: 'newSigningKeyPair', publicKey: 'publicKey' },
  idempotency: { newKey: 'newIdempotencyKey', parseKey: 'parseIdempotencyKey', fingerprint: 'fingerprint', defaultPolicy: 'defaultKeyPolicy', decide: 'decide', problemFor: 'problemFor' },
  retry: { classify: 'classify', parseRetryAfter: 'parseRetryAfter', nextStep: 'nextStep', nextStepWithRandom: 'nextStep', apiPolicy: 'apiPolicy', webhookRedeliveryPolicy: 'webhookRedeliveryPolicy', standardWebhooksPolicy: 'standardWebhooksPolicy' },
  lifecycle: { apply: 'apply', mapEvent: 'mapEvent', parseAmount: 'parseAmount', assessPayment: 'assessPayment', refundable: 'refundable', confirmationStatus: 'confirmationStatus', requiredConfirmations: 'requiredConfirmations' },
  requests: { signRequest: 'signRequest', verifyRequest: 'verifyRequest' },
  credentials: { classifyKey: 'classifyKey', checkKeyPlacement: 'checkKeyPlacement', tokenStatus: 'tokenStatus' },
  reconciliation: { pollBackstop: 'pollBackstop', reconcilePayout: 'reconcilePayout' },
  addresses: { validateAddress: 'validateAddress' },
  alerts: { defaultAlertRule: 'defaultAlertRule', evaluateAlert: 'evaluateAlert' },
};

test('every component export has a public wrapper', () => {
  const exported = {};
  for (const [name, value] of Object.entries(gen)) {
    if (name.startsWith('_') || name.includes(':') || typeof value !== 'object') continue;
    const functions = Object.keys(value).filter((k) => typeof value[k] === 'function');
    if (functions.length) exported[name] = functions.sort();
  }
  const wrapped = Object.fromEntries(Object.entries(WRAPPED_BY).map(([i, t]) => [i, Object.keys(t).sort()]));
  assert.deepEqual(exported, wrapped);
  for (const table of Object.values(WRAPPED_BY)) {
    for (const wrapper of Object.values(table)) assert.equal(typeof paywit[wrapper], 'function', wrapper);
  }
});

test('every public export is declared in index.d.ts', async () => {
  const { readFileSync } = await import('node:fs');
  const declarations = readFileSync(new URL('../src/index.d.ts', import.meta.url), 'utf8');
  const declared = new Set([...declarations.matchAll(/export (?:declare )?(?:function|const|class|type|interface) (\w+)/g)].map((m) => m[1]));
  const missing = Object.keys(paywit).filter((name) => !declared.has(name));
  assert.deepEqual(missing, [], `add these to src/index.d.ts: ${missing.join(', ')}`);
});
