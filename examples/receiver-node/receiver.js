// A webhook receiver that follows the integration guide, on node:http and the
// paywit package: verify the raw body (401), record the event id before
// processing (a duplicate gets 200, not processed again), answer 200 at once;
// worker.js, a separate process, does the rest. It also takes orders, each
// with its idempotency key persisted before any call to the gateway.
//
//   node receiver.js --db receiver.sqlite --port 8002 --secret whsec_...
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Verifier, WebhookVerificationError, newIdempotencyKey } from 'paywit';
import { open, now } from './store.js';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'receiver.sqlite' }, port: { type: 'string', default: '8002' }, secret: { type: 'string', multiple: true } } });
const db = open(args.db);
const verifier = new Verifier('standard-webhooks', args.secret);
const record = db.prepare('INSERT OR IGNORE INTO inbox (event_id, body, received_at) VALUES (?, ?, ?)');
const refuse = db.prepare('INSERT INTO refusals (at, code) VALUES (?, ?)');
const ack = db.prepare('INSERT INTO acks (ms) VALUES (?)');
const order = db.prepare('INSERT INTO orders (idempotency_key, amount, card) VALUES (?, ?, ?)');

function answer(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const started = performance.now();
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (req.method === 'POST' && req.url === '/webhooks') {
      let verified;
      try {
        verified = verifier.verify(req.headers, raw);
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        refuse.run(now(), error.code);
        answer(res, 401, { error: 'unauthorized' });
        ack.run(performance.now() - started);
        return;
      }
      const eventId = verified.messageId ?? JSON.parse(raw).id;
      const inserted = record.run(eventId, raw.toString('utf8'), now()).changes;
      answer(res, 200, { received: eventId, duplicate: inserted === 0 });
      ack.run(performance.now() - started); // after the answer: how long the gateway waited
    } else if (req.method === 'POST' && req.url === '/orders') {
      const { amount, card } = JSON.parse(raw);
      const key = newIdempotencyKey(); // persisted with the order, before any call
      answer(res, 202, { order: Number(order.run(key, amount, card).lastInsertRowid), idempotency_key: key });
    } else {
      answer(res, 404, { error: 'not found' });
    }
  });
});
server.listen(Number(args.port), '127.0.0.1', () => console.log(`receiver: listening on http://127.0.0.1:${args.port}`));
