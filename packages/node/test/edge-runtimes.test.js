// The package on JavaScript edge runtimes, for real: examples/edge/workers
// bundled with the `workerd` export condition (as wrangler does) and served by
// Cloudflare's runtime (the npm `workerd` binary), and examples/edge/deno
// served by Deno (the npm `deno` binary). Both get the same signed deliveries
// on loopback and must answer 200/401/405 and drop duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signWebhook } from '../src/index.js';
import { startDeno, startWorkerd } from '../support/edge-runtimes.js';

const NEW = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

/** The delivery set: valid, rotated, duplicate, tampered, stale, unsigned, wrong method. */
async function deliveries(base) {
  const now = Math.floor(Date.now() / 1000);
  const body = '{"id":"evt_edge_1","type":"payment.succeeded","amount":9900}';
  const post = (headers, payload = body) => fetch(base, { method: 'POST', headers, body: payload });
  const valid = signWebhook('standard-webhooks', NEW, body, { id: 'msg_edge_1', signedAt: now });
  let reply = await post(valid);
  assert.equal(reply.status, 200);
  assert.equal(await reply.text(), 'ok\n');
  reply = await post(valid);
  assert.equal(reply.status, 200, 'a duplicate is acknowledged');
  assert.equal(await reply.text(), 'duplicate\n', 'and not processed again');
  reply = await post(signWebhook('standard-webhooks', OLD, body, { id: 'msg_edge_2', signedAt: now }));
  assert.equal([reply.status, await reply.text()].join(' '), '200 ok\n', 'the rotated-out secret still verifies');
  const refusals = [
    ['tampered body', valid, body.replace('9900', '9901')],
    ['tampered signature', { ...valid, 'webhook-signature': valid['webhook-signature'].replace('v1,', 'v1,A') }, body],
    ['stale', signWebhook('standard-webhooks', NEW, body, { id: 'msg_edge_3', signedAt: now - 600 }), body],
    ['future-dated', signWebhook('standard-webhooks', NEW, body, { id: 'msg_edge_4', signedAt: now + 600 }), body],
    ['unsigned', {}, body],
  ];
  for (const [name, headers, payload] of refusals) {
    reply = await post(headers, payload);
    assert.equal(reply.status, 401, name);
    assert.equal(await reply.text(), 'unauthorized\n', `${name}: no detail`);
  }
  reply = await fetch(base);
  assert.equal(reply.status, 405);
  await reply.text();
}

test('the Worker example under workerd (Cloudflare\'s runtime), bundled with the workerd condition', async () => {
  const served = await startWorkerd({ PAYWIT_SCHEME: 'standard-webhooks', PAYWIT_SECRETS: `${NEW},${OLD}` });
  try {
    assert.ok(!served.bundle.includes('node:fs') && !served.bundle.includes('readFileSync'), 'the edge bundle never touches the file system');
    await deliveries(served.url);
  } catch (error) {
    error.message += `\nworkerd said: ${served.log()}`;
    throw error;
  } finally {
    served.stop();
  }
});

test('the Deno example under Deno', async () => {
  const served = await startDeno({ PAYWIT_SECRETS: `${NEW},${OLD}` });
  try {
    await deliveries(served.url);
  } catch (error) {
    error.message += `\ndeno said: ${served.log()}`;
    throw error;
  } finally {
    served.stop();
  }
});
