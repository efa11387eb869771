// A webhook receiver that follows the integration guide, on node:http and the
// paywit package: its middleware reads the raw body (capped) and verifies it
// (401), then the receiver records the event id before
// processing (a duplicate gets 200, not processed again), answer 200 at once;
// worker.js, a separate process, does the rest. It also takes orders, each
// with its idempotency key persisted before any call to the gateway.
//
//   PAYWIT_WEBHOOK_SECRET=whsec_... node receiver.js --db receiver.sqlite --port 8002
//   (--db postgresql://...: several receivers and workers on one PostgreSQL database)
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Verifier, VerifyError, VerifyLimitExceededError, newKey, webhookMiddleware } from 'paywit';
import { isPostgres, openStore } from './store.js';
import { Recorder } from './recorder.js';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'receiver.sqlite' }, port: { type: 'string', default: '8002' }, secret: { type: 'string', multiple: true } } });
const SCHEME = 'standard-webhooks'; // the sandbox gateway's; the deliveries log keeps it per row
// The secrets: --secret (repeated) or PAYWIT_WEBHOOK_SECRET (space-separated), newest first.
const secrets = args.secret ?? (process.env.PAYWIT_WEBHOOK_SECRET ?? '').split(/\s+/).filter(Boolean);
if (secrets.length === 0) {
  console.error('receiver: a webhook secret is needed: --secret or PAYWIT_WEBHOOK_SECRET');
  process.exit(2);
}
const verifier = new Verifier(SCHEME, secrets);
const store = await openStore(args.db); // the schema, before the first request
// Each delivery's event and log row are committed before its answer, in groups (recorder.js); on
// SQLite over a connection of the recorder's own, on PostgreSQL over the store's pool.
const recorder = new Recorder(isPostgres(args.db) ? store : args.db, SCHEME);

// The most body a request may have: paywit's verify limit (paywit::limits::MAX_BODY_BYTES, the
// "body-bytes" of paywit's abi.json), as verify would refuse a larger one anyway. A larger
// Content-Length is answered 413 before any of the body is read, and a body without one (chunked)
// is not read past it: 413 as soon as it is over.
const MAX_BODY_BYTES = 16 * 1024 * 1024;
// An order's amount: a positive whole number that JSON numbers hold exactly everywhere.
const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/** A request answered with an error status, before or instead of doing anything. */
class Refused extends Error {
  constructor(status, error) {
    super(error);
    this.status = status;
  }
}

function answer(res, status, body, close = false) {
  const data = JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
  if (close) headers.connection = 'close'; // the rest of the body is not read: the connection is not reused
  res.writeHead(status, headers);
  res.end(data);
}

/** An order's { amount, card } from its JSON body; throws Refused (400) on anything else. */
function parseOrder(raw) {
  let order;
  try {
    order = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new Refused(400, 'the body is not JSON');
  }
  if (order === null || typeof order !== 'object' || Array.isArray(order)) throw new Refused(400, 'the body is not a JSON object');
  const { amount, card } = order;
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT) throw new Refused(400, `amount must be a whole number from 1 to ${MAX_AMOUNT}`);
  if (typeof card !== 'string' || card.length === 0 || card.length > 64) throw new Refused(400, 'card must be a string of 1 to 64 characters');
  return { amount, card };
}

/** A verified event's id from its body (schemes whose headers carry none); throws Refused (400) if absent. */
function eventIdOf(raw) {
  let id;
  try {
    id = JSON.parse(raw).id;
  } catch {
    throw new Refused(400, 'the event has no id');
  }
  if (typeof id !== 'string' || id === '') throw new Refused(400, 'the event has no id');
  return id;
}

// paywit's middleware answers 405, 413 and 401 itself; a refusal's log row (paywit's error code) is
// committed before its 401. A body over the cap is refused on its size, before verification: no row.
const paywit = webhookMiddleware(verifier, {
  maxBytes: MAX_BODY_BYTES,
  onError: async (req, error) => {
    if (error instanceof VerifyError && !(error instanceof VerifyLimitExceededError)) {
      req.refusalLogged = (await recorder.record({ code: error.code })).logged;
    }
  },
});

/** Answers one delivery to /webhooks: the event and its log row are committed before the answer. */
async function webhook(req, res, started) {
  const delivery = await paywit(req, res);
  if (!delivery) {
    if (req.refusalLogged !== undefined) recorder.timeTaken(req.refusalLogged, performance.now() - started);
    return;
  }
  const body = delivery.text();
  const eventId = delivery.messageId ?? eventIdOf(body);
  const { duplicate, logged } = await recorder.record({ eventId, body });
  answer(res, 200, { received: eventId, duplicate });
  recorder.timeTaken(logged, performance.now() - started);
}

/** Answers one request other than a delivery, whose whole body is `raw`; throws Refused for a fault of the request's. */
async function handle(req, res, raw) {
  if (req.method === 'POST' && req.url === '/orders') {
    const { amount, card } = parseOrder(raw);
    const key = newKey(); // persisted with the order, before any call
    const { id } = await store.get('INSERT INTO orders (idempotency_key, amount, card) VALUES (?, ?, ?) RETURNING id', [key, amount, card]);
    answer(res, 202, { order: Number(id), idempotency_key: key });
  } else {
    answer(res, 404, { error: 'not found' });
  }
}

// Any request: a fault of the request's is its 4xx; anything else thrown is logged and answered
// 500, and the server goes on (no request stops the receiver).
const server = http.createServer((req, res) => {
  const started = performance.now();
  let done = false; // answered, or given up on: nothing more is read or done
  const fail = (error) => {
    if (done) return;
    done = true;
    if (error instanceof Refused) {
      if (!res.headersSent) answer(res, error.status, { error: error.message }, !req.complete);
      return;
    }
    console.error(`receiver: ${req.method} ${req.url} failed:`, error);
    if (!res.headersSent) answer(res, 500, { error: 'internal error' }, true);
    else if (!res.writableEnded) res.destroy(); // an answer cut short; one already sent stays sent
  };
  req.on('error', () => { done = true; }); // the client went away mid-body: nothing to answer
  res.on('error', (error) => console.error('receiver: answering failed:', error));
  if (req.url === '/webhooks') {
    webhook(req, res, started).catch(fail);
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0); // node:http has checked it is a number
  if (declared > MAX_BODY_BYTES) {
    fail(new Refused(413, `the body is over ${MAX_BODY_BYTES} bytes`));
    req.pause(); // nothing of it is read: the connection closes after the answer
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    if (done) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      chunks.length = 0;
      fail(new Refused(413, `the body is over ${MAX_BODY_BYTES} bytes`));
      req.pause(); // no more of it is read
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (done) return;
    handle(req, res, Buffer.concat(chunks)).then(() => { done = true; }, fail);
  });
});
server.listen(Number(args.port), '127.0.0.1', () => console.log(`receiver: listening on http://127.0.0.1:${args.port}`));
