// A webhook receiver on Fastify 5 with paywit: each Standard Webhooks delivery
// is verified on its raw body (the plugin's route reads it raw, whatever parsers
// the rest of the app uses) and its id recorded before it is processed, so a
// redelivery is not processed twice.
import Fastify from 'fastify';
import { Verifier, paywitFastify } from 'paywit';

// The signing secret (whsec_...) from your gateway's dashboard; while rotating, the
// rotation list newest first: PAYWIT_WEBHOOK_SECRET="whsec_new whsec_old".
const secrets = (process.env.PAYWIT_WEBHOOK_SECRET ?? '').split(/\s+/).filter(Boolean);
if (secrets.length === 0) throw new Error('set PAYWIT_WEBHOOK_SECRET to your webhook signing secret');
// A secret the scheme cannot use fails here, at start-up (the error never shows it).
const verifier = new Verifier('standard-webhooks', secrets);
const maxBytes = 1 << 20; // webhook bodies are small: 413 past 1 MiB, before reading

// The ids of the deliveries taken: in production, a table with the id as its key.
const seen = new Set();

async function processEvent(event, log) {
  log.info(`processing ${event.type ?? 'event'} ${event.id ?? ''}`); // your business logic
}

const app = Fastify({ logger: true });

// One route, POST /webhooks. It answers 401 (bad signature, stale), 413 (too
// large) and 405 (not POST) itself; the handler gets only verified deliveries.
app.register(paywitFastify, {
  verifier,
  path: '/webhooks',
  maxBytes,
  handler: async (delivery, request) => {
    if (seen.has(delivery.messageId)) return 'duplicate'; // already taken
    seen.add(delivery.messageId); // recorded before processing
    try {
      await processEvent(delivery.json(), request.log);
    } catch (error) {
      seen.delete(delivery.messageId); // not processed: let the gateway retry it
      throw error; // Fastify answers 500
    }
    return 'ok';
  },
});

app.get('/', async () => 'POST Standard Webhooks deliveries to /webhooks\n');

await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? 'localhost' });
