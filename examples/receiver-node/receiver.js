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
const SCHEME = 'standard-webhooks'; // the sandbox gateway's; the deliveries log keeps it per row
const db = open(args.db);
const verifier = new Verifier(SCHEME, args.secret);
// A redelivery (or replay) is counted, and requeues an event whose processing had failed.
const record = db.prepare(`INSERT INTO inbox (event_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO UPDATE
  SET times_delivered = inbox.times_delivered + 1, attempts = 0, next_attempt_at = 0, failed_at = NULL RETURNING times_delivered`);
// A delivery's log row is committed with its event, before the answer; the time taken is added after it.
const logDelivery = db.prepare('INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?)');
const timeTaken = db.prepare('UPDATE deliveries SET ms = ? WHERE id = ?');
/** Records the event and logs its delivery in one commit; returns whether it was a duplicate and the log row. */
const recordAndLog = db.transaction((eventId, body) => {
  const duplicate = record.get(eventId, body, now()).times_delivered > 1;
  const logged = logDelivery.run(now(), SCHEME, duplicate ? 'duplicate' : 'recorded', null).lastInsertRowid;
  return { duplicate, logged };
});
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
        const logged = logDelivery.run(now(), SCHEME, 'refused', error.code).lastInsertRowid;
        answer(res, 401, { error: 'unauthorized' });
        timeTaken.run(performance.now() - started, logged);
        return;
      }
      const eventId = verified.messageId ?? JSON.parse(raw).id;
      const { duplicate, logged } = recordAndLog(eventId, raw.toString('utf8'));
      answer(res, 200, { received: eventId, duplicate });
      timeTaken.run(performance.now() - started, logged);
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
