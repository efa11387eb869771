// A webhook receiver on Express 5 with paywit: each Standard Webhooks delivery
// is verified on its raw body (read by paywit, before any JSON parser) and its
// id recorded before it is processed, so a redelivery is not processed twice.
import express from 'express';
import { Verifier, webhookMiddleware } from 'paywit';

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

const app = express();

// The webhook route comes before any body parser: paywit reads the raw body itself.
// It answers 401 (bad signature, stale), 413 (too large) and 405 (not POST) itself.
app.all('/webhooks', webhookMiddleware(verifier, { maxBytes }), async (req, res) => {
  const delivery = req.webhook; // verified: messageId, body, json()
  if (seen.has(delivery.messageId)) return res.send('duplicate'); // already taken
  seen.add(delivery.messageId); // recorded before processing
  try {
    await processEvent(delivery.json());
  } catch (error) {
    seen.delete(delivery.messageId); // not processed: let the gateway retry it
    throw error; // Express answers 500
  }
  res.send('ok');
});

// The rest of your app may parse JSON as usual.
app.use(express.json());
app.get('/', (req, res) => res.send('POST Standard Webhooks deliveries to /webhooks\n'));

const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => console.log(`listening on http://localhost:${port}/webhooks`));
