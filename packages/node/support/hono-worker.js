// A small Hono app as a Cloudflare Worker, for test/frameworks.test.js: bundled
// by support/frameworks.js (esbuild, the `workerd` condition, as wrangler does)
// and served by workerd. Secrets come from text bindings (env).
import { Hono } from 'hono';
import { Verifier, verifyWebhookRequest } from 'paywit';

const app = new Hono();
let verifier; // made once, on the first request (the bindings come with it)
/** verifyWebhookRequest's arguments for this request. */
const paywit = (c) => {
  verifier ??= new Verifier('standard-webhooks', c.env.PAYWIT_WEBHOOK_SECRETS.split(','));
  return [verifier, c.req.raw, { maxBytes: Number(c.env.PAYWIT_MAX_BYTES) }];
};

app.all('/webhooks', async (c) => {
  const delivery = await verifyWebhookRequest(...paywit(c));
  if (delivery instanceof Response) return delivery;
  const event = delivery.json();
  return c.json({ messageId: delivery.messageId, secretIndex: delivery.secretIndex, type: event.type });
});

// The raw-body mistake: the body parsed before paywit sees the request.
app.post('/parsed-first', async (c) => {
  await c.req.json();
  const delivery = await verifyWebhookRequest(...paywit(c));
  return delivery instanceof Response ? delivery : c.text('verified a body that was read first');
});

export default app;
