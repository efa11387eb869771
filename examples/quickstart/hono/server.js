// A webhook receiver on Hono (Node.js, @hono/node-server) with paywit: each
// Standard Webhooks delivery is verified on its raw body (c.req.raw, before
// anything reads it) and its id recorded before it is processed, so a
// redelivery is not processed twice. The same route runs on Workers, Deno and Bun.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Verifier, verifyWebhookRequest } from 'paywit';

// The signing secret (whsec_...) from your gateway's dashboard; while rotating, the
// rotation list newest first: PAYWIT_WEBHOOK_SECRET="whsec_new whsec_old".
const secrets = (process.env.PAYWIT_WEBHOOK_SECRET ?? '').split(/\s+/).filter(Boolean);
if (secrets.length === 0) throw new Error('set PAYWIT_WEBHOOK_SECRET to your webhook signing secret');
// A secret the scheme cannot use fails here, at start-up (the error never shows it).
const verifier = new Verifier('standard-webhooks', secrets);
const maxBytes = 1 << 20; // webhook bodies are small: 413 past 1 MiB, before reading

// The ids of the deliveries taken: in production, a table with the id as its key.
const seen = new Set();

async function processEvent(event) {
  console.log(`processing ${event.type ?? 'event'} ${event.id ?? ''}`); // your business logic
}

const app = new Hono();

app.all('/webhooks', async (c) => {
  // Before anything reads the body (no c.req.json() first): paywit reads it raw.
  const delivery = await verifyWebhookRequest(verifier, c.req.raw, { maxBytes });
  if (delivery instanceof Response) return delivery; // 401 bad signature or stale, 413 too large, 405 not POST
  if (seen.has(delivery.messageId)) return c.text('duplicate'); // already taken
  seen.add(delivery.messageId); // recorded before processing
  try {
    await processEvent(delivery.json());
  } catch (error) {
    seen.delete(delivery.messageId); // not processed: let the gateway retry it
    throw error; // Hono answers 500
  }
  return c.text('ok');
});

app.get('/', (c) => c.text('POST Standard Webhooks deliveries to /webhooks\n'));

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port }, () => console.log(`listening on http://localhost:${port}/webhooks`));
