// The receiver's worker, a separate process: folds recorded events into their
// objects with paywit's lifecycle (alerts on `reversed`, the operator queue on
// `rejected`), makes the orders' charges with their persisted idempotency keys
// (failures classified and retried with paywit, never in a request handler),
// and polls the gateway for objects whose webhooks may be lost.
//
//   node worker.js --db receiver.sqlite --gateway http://127.0.0.1:8787
//   (--db postgresql://...: several workers on one PostgreSQL database)
//
// On either store (store.js's Store): on SQLite each transaction takes the write lock at once;
// on PostgreSQL the events and orders a worker takes are locked for it alone (FOR UPDATE SKIP
// LOCKED: other workers skip them) and an object's row is locked while an event folds into it.
import { parseArgs } from 'node:util';
import { PaywitError, apiPolicy, apply, classify, mapEvent, nextStep, pollBackstop, reconcilePayout } from 'paywit';
import { openStore, now } from './store.js';

const { values: args } = parseArgs({ options: {
  db: { type: 'string', default: 'receiver.sqlite' },
  gateway: { type: 'string', default: 'http://127.0.0.1:8787' },
  'time-scale': { type: 'string', default: '100' },
  'pause-after-apply': { type: 'string', default: '0' }, // the chaos test's hook: sleep inside the first event's transaction
  // The chaos test's hook: sleep after a failed attempt, before recording it.
  'pause-before-recording-failure': { type: 'string', default: '0' },
} });
/** @type {import('./store.js').Store} */
const store = await openStore(args.db);
const timeScale = Number(args['time-scale']);
let pauseSeconds = Number(args['pause-after-apply']);
const pauseBeforeFailure = Number(args['pause-before-recording-failure']);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const API_PATHS = { payment: 'payment_intents', refund: 'refunds', payout: 'payouts' };

// PostgreSQL: the row is inserted empty (no state yet) if missing, then locked (OBJECT) before it is read.
const PLACEHOLDER = "INSERT INTO objects (id, kind, status, events_applied, last_event_at) VALUES (?, '', '', 0, 0) ON CONFLICT DO NOTHING";
const OBJECT = `SELECT kind, status FROM objects WHERE id = ?${store.postgres ? ' FOR UPDATE' : ''}`;
const UPSERT = `INSERT INTO objects (id, kind, status, events_applied, last_event_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, kind = excluded.kind, events_applied = objects.events_applied + ?,
  last_event_at = ${store.greatest}(objects.last_event_at, excluded.last_event_at)`;
const TOUCH = `UPDATE objects SET events_applied = events_applied + ?, last_event_at = ${store.greatest}(last_event_at, ?) WHERE id = ?`;
const ALERT = 'INSERT INTO alerts VALUES (?, ?, ?) ON CONFLICT DO NOTHING';
const OPERATOR = 'INSERT INTO operator_queue VALUES (?, ?, ?) ON CONFLICT DO NOTHING';
const PROCESSED = 'UPDATE inbox SET processed_at = ?, error = NULL WHERE event_id = ?';

/** paywit's retry step (`{ tag: 'retry-after-ms', val: bigint }` or `{ tag: 'give-up', ... }`) as milliseconds, or undefined. */
const retryAfterMs = (step) => (step.tag === 'retry-after-ms' ? Number(step.val) : undefined);

/** Inside a transaction: applies one state to its object; `eventId` undefined for a poll (not counted as an event). */
async function fold(tx, eventId, objectId, incoming, at) {
  // PostgreSQL: the row exists (empty kind: no state yet) and is locked before it is read, so folds
  // of one object by concurrent workers take turns instead of overwriting each other.
  if (tx.postgres) await tx.run(PLACEHOLDER, [objectId]);
  const row = await tx.get(OBJECT, [objectId]);
  // paywit's lifecycle state is the WIT variant `{ tag: kind, val: status }`.
  const current = row?.kind ? { tag: row.kind, val: row.status } : undefined;
  const outcome = apply(current, incoming);
  const counted = eventId ? 1 : 0;
  if (outcome.tag === 'advanced' || outcome.tag === 'reversed') {
    await tx.run(UPSERT, [objectId, outcome.val.tag, outcome.val.val, counted, at, counted]);
  } else if (row) {
    await tx.run(TOUCH, [counted, at, objectId]);
  }
  if (outcome.tag === 'reversed' && eventId) await tx.run(ALERT, [eventId, objectId, `${current?.val} -> ${outcome.val.val}`]);
  if (outcome.tag === 'rejected' && eventId) await tx.run(OPERATOR, [eventId, objectId, outcome.val.tag]);
}

const SUCCEEDED_PAYMENTS = "SELECT id FROM objects WHERE kind = 'payment' AND status = 'succeeded'";
const KEEP_REPORT = `INSERT INTO payouts VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET match = excluded.match,
  difference = excluded.difference, missing = excluded.missing, unexpected = excluded.unexpected`;

/** Inside a transaction: checks a paid payout against its items and the payments this receiver knows succeeded. */
async function reconcile(tx, payout) {
  const items = (payout.items ?? []).map((i) => ({ id: i.id, kind: i.kind, amount: String(i.amount) }));
  const known = new Set((await tx.all(SUCCEEDED_PAYMENTS)).map((row) => row.id));
  const report = reconcilePayout(String(payout.amount), items, items.filter((i) => known.has(i.id)).map((i) => i.id));
  await tx.run(KEEP_REPORT, [payout.id, String(payout.amount), report.result.tag, report.result.val ?? null, report.missing.length, report.unexpected.length]);
}

const DUE_EVENT = 'SELECT event_id, body, attempts FROM inbox WHERE processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? ORDER BY received_at LIMIT 1';
/** Inside a transaction: the oldest due event, locked for this worker alone (PostgreSQL: others skip it); undefined if none. */
const nextEvent = (tx) => tx.get(DUE_EVENT + tx.lock, [now()]);
/** Inside a transaction on an event read before it: still neither processed nor given up (another
 *  worker may have done either meanwhile), and not held by another worker? Its row
 *  (`{ attempts }`: failed attempts so far), locked for this worker alone, or undefined. */
const takeEvent = (tx, eventId) =>
  tx.get(`SELECT attempts FROM inbox WHERE event_id = ? AND processed_at IS NULL AND failed_at IS NULL${tx.lock}`, [eventId]);
// A lease on an event while the API is called for it: other workers leave it alone meanwhile (and
// take it after the lease if this one dies). No change: it is not due any more, or another worker has it.
const LEASE_EVENT = 'UPDATE inbox SET next_attempt_at = ? WHERE event_id = ? AND processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?';
const FETCH_LEASE_SECONDS = 10; // longer than a call to the API (its timeout: 2 s)
const RETRY_LATER = 'UPDATE inbox SET attempts = ?, next_attempt_at = ?, error = ? WHERE event_id = ?';
const GIVE_UP = 'UPDATE inbox SET attempts = ?, failed_at = ?, error = ? WHERE event_id = ?';
const LOG_ATTEMPT = 'INSERT INTO attempts VALUES (?, ?, ?, ?)';

/** An event that cannot be processed now: `category` is paywit's retry category of a failed
 *  API call (with the `failure` to schedule its retry), or `malformed-event`. */
class ProcessingFailed extends Error {
  constructor(category, failure) {
    super(category);
    this.category = category;
    this.failure = failure;
  }
}

/** A failed call to the gateway in paywit's `Failure` shape: an HTTP answer, or none. */
const httpFailure = (response) => ({ status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined });
const transportFailure = (error) => ({ transport: error.name === 'TimeoutError' ? 'timeout' : 'connection-reset' });

/** GETs one object from the gateway's API; throws ProcessingFailed with paywit's category. */
async function fetchObject(path) {
  let failure;
  try {
    const response = await fetch(`${args.gateway}${path}`, { signal: AbortSignal.timeout(2000) });
    if (response.ok) return await response.json();
    failure = httpFailure(response);
  } catch (error) {
    failure = transportFailure(error);
  }
  throw new ProcessingFailed(classify(failure).category, failure);
}

// The largest `created` taken (2^53 - 1, the integers JSON numbers hold exactly everywhere): it goes
// into an INTEGER column and, as seconds elapsed, into paywit's poll backstop (s64).
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;
const optionalString = (value) => value === undefined || value === null || typeof value === 'string';

/** The event, with the fields the worker uses checked; throws ProcessingFailed('malformed-event'). */
function parseEvent(body) {
  let event;
  try {
    event = JSON.parse(body);
  } catch {
    throw new ProcessingFailed('malformed-event');
  }
  const object = event?.data?.object;
  const created = event?.created;
  if (object === null || typeof object !== 'object' || Array.isArray(object) || typeof object.id !== 'string' || object.id === ''
      || typeof event.type !== 'string' || !(event.source === undefined || typeof event.source === 'string')
      || !optionalString(object.status) || !optionalString(object.object)
      || typeof created !== 'number' || !Number.isFinite(created) || created < 0 || created > MAX_TIMESTAMP) {
    throw new ProcessingFailed('malformed-event');
  }
  return event;
}

/** Inside a transaction: what one (parsed) event does to the store. */
async function applyEvent(tx, eventId, event, payout) {
  const object = event.data.object;
  const incoming = mapEvent(event.source ?? 'stripe', event.type, object.status ?? undefined);
  if (incoming) await fold(tx, eventId, object.id, incoming, Math.trunc(event.created));
  if (payout) await reconcile(tx, payout);
}

/** Records a failed attempt on an event (its attempt's transaction rolled back), only if it is still
 *  due: another worker may have processed it, or given it up, meanwhile (a failure is never written
 *  over a success). `failure` undefined: not retried, marked failed. */
function recordFailure(eventId, category, failure) {
  return store.transaction((tx) => recordFailureIn(tx, eventId, category, failure));
}

/** Inside a transaction: `recordFailure`'s writes. */
async function recordFailureIn(tx, eventId, category, failure) {
  const row = await takeEvent(tx, eventId);
  if (!row) return;
  const attempts = row.attempts + 1;
  const delay = failure ? retryAfterMs(nextStep(apiPolicy(), attempts, failure)) : undefined;
  if (delay === undefined) await tx.run(GIVE_UP, [attempts, now(), category, eventId]);
  else await tx.run(RETRY_LATER, [attempts, now() + delay / 1000 / timeScale, category, eventId]);
  await tx.run(LOG_ATTEMPT, [now(), eventId, delay === undefined ? 'failed' : 'retrying', category]);
}

/** What a processing failure is recorded as: its category, and the failure paywit schedules a retry of. */
function failureOf(eventId, error) {
  if (error instanceof ProcessingFailed) return [error.category, error.failure];
  console.error(`worker: processing ${eventId} threw:`, error);
  return [`processing-error (${error?.constructor?.name ?? typeof error})`, undefined];
}

/** Whether an event is a paid payout's (whose items come from the API); a malformed one is not. */
function isPaidPayout(body) {
  try {
    const object = parseEvent(body).data.object;
    return object.object === 'payout' && object.status === 'paid';
  } catch {
    return false;
  }
}

/** Inside a transaction: folds one event and marks it processed, in a savepoint, so what it wrote
 *  is rolled back alone when it throws. */
function foldEvent(tx, eventId, event, payout) {
  return tx.savepoint(async () => {
    try {
      await applyEvent(tx, eventId, event, payout);
    } catch (error) {
      throw error instanceof PaywitError ? new ProcessingFailed('malformed-event') : error;
    }
    if (pauseSeconds > 0) {
      console.log(`worker: paused inside the transaction of ${eventId}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseSeconds * 1000);
      pauseSeconds = 0;
    }
    await tx.run(PROCESSED, [now(), eventId]);
    await tx.run(LOG_ATTEMPT, [now(), eventId, 'processed', null]);
  });
}

// The most events folded in one transaction (one commit for all of them).
// On PostgreSQL one: two workers whose batches lock the same objects in another order deadlock
// (each batch holds its objects' rows until its commit), and PostgreSQL has no single write lock
// for batches to spare.
const EVENT_BATCH = store.postgres ? 1 : 64;

/** Folds the due events, oldest first, up to EVENT_BATCH of them in one transaction: each in a
 *  savepoint of its own (foldEvent), so an event whose processing throws is rolled back alone and
 *  its failure recorded, and the rest commit together. One commit, one WAL sync and one turn of
 *  SQLite's write lock for the batch instead of one per event: with a transaction per event the
 *  worker held the write lock nearly all the time under a backlog, and the receiver's inserts
 *  waited for it. Stops before a paid payout (processOneEvent takes it, its items fetched with no
 *  transaction open). Returns how many events it took. */
function processEvents() {
  return store.transaction(async (tx) => {
    let taken = 0;
    while (taken < EVENT_BATCH) {
      const row = await nextEvent(tx);
      if (!row || isPaidPayout(row.body)) break;
      taken += 1;
      try {
        await foldEvent(tx, row.event_id, parseEvent(row.body));
      } catch (error) {
        if (store.isUnavailable(error)) throw error; // the batch rolls back; the main loop pauses
        await recordFailureIn(tx, row.event_id, ...failureOf(row.event_id, error));
      }
    }
    return taken;
  });
}

/** Folds the oldest due event, in one transaction with its processed mark (a paid payout's items are
 *  fetched before it, outside any transaction). Whatever processing throws is recorded on the event,
 *  and the worker goes on with the next one (a poison event must not stop the events behind it): a
 *  failed API call is retried on paywit's API schedule and, after the last attempt, marked failed; a
 *  malformed event, or anything else thrown (logged; `processing-error (<type>)`), is marked failed
 *  at once. The dashboard's replay, or a redelivery, requeues a failed event. */
async function processOneEvent() {
  // Read outside any transaction: a hint, taken under the lock below only if it is still due.
  const row = await store.get(DUE_EVENT, [now()]);
  if (!row) return false;
  try {
    const event = parseEvent(row.body);
    const object = event.data.object;
    // The event is thin, as Stripe's: a paid payout's items are listed from the API, under a lease.
    let payout;
    if (object.object === 'payout' && object.status === 'paid') {
      if ((await store.run(LEASE_EVENT, [now() + FETCH_LEASE_SECONDS, row.event_id, now()])).changes === 0) return true;
      payout = await fetchObject(`/v1/payouts/${object.id}`);
    }
    await store.transaction(async (tx) => {
      // Else processed, given up, requeued or held by another worker meanwhile.
      if (await takeEvent(tx, row.event_id)) await foldEvent(tx, row.event_id, event, payout);
    });
  } catch (error) {
    // The store's own trouble (busy, locked, I/O, a full disk, a lost connection) is not the
    // event's fault: the main loop logs it, pauses and goes on, and the event is taken again.
    if (store.isUnavailable(error)) throw error;
    const [category, failure] = failureOf(row.event_id, error);
    if (pauseBeforeFailure > 0) {
      console.log(`worker: paused before recording the failure of ${row.event_id}`);
      await sleep(pauseBeforeFailure * 1000);
    }
    await recordFailure(row.event_id, category, failure);
  }
  return true;
}

// A 'charging' order whose lease ran out (its worker died mid-call) is due again.
const DUE_ORDER = "SELECT id, idempotency_key, amount, card, attempts FROM orders WHERE status IN ('pending', 'retrying', 'charging') AND next_attempt_at <= ? ORDER BY id LIMIT 1";
const LEASE = "UPDATE orders SET status = 'charging', next_attempt_at = ? WHERE id = ?";
// The outcome is written only while this worker's lease holds: a worker whose call outlived its
// lease (another worker has the order since) drops its answer rather than overwrite the other's.
const SET_ORDER = "UPDATE orders SET status = ?, attempts = ?, payment_intent = COALESCE(?, payment_intent), detail = ?, next_attempt_at = ? WHERE id = ? AND status = 'charging' AND next_attempt_at = ?";
const LEASE_SECONDS = 10; // longer than a call (its timeout: 2 s)

/** The next due order, claimed for this worker (status 'charging' for LEASE_SECONDS) in one write
 *  transaction, so no two workers call the gateway for it at once; if this one dies mid-call,
 *  another retries after the lease, with the same key. */
function claimOrder() {
  return store.transaction(async (tx) => {
    const order = await tx.get(DUE_ORDER + tx.lock, [now()]);
    if (order) {
      order.lease = now() + LEASE_SECONDS;
      await tx.run(LEASE, [order.lease, order.id]);
    }
    return order;
  });
}

/** Makes (or retries, with the same key) the charge of the next due order. */
async function chargeOneOrder() {
  const order = await claimOrder();
  if (!order) return false;
  const attempts = order.attempts + 1;
  const settle = (status, intent, detail, nextAttemptAt) =>
    store.run(SET_ORDER, [status, attempts, intent, detail, nextAttemptAt, order.id, order.lease]);
  let failure;
  let response;
  let body;
  try {
    response = await fetch(`${args.gateway}/v1/payment_intents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': order.idempotency_key },
      body: JSON.stringify({ amount: order.amount, currency: 'usd', card: order.card }),
      signal: AbortSignal.timeout(2000),
    });
    body = await response.json().catch(() => ({}));
  } catch (error) {
    failure = transportFailure(error);
  }
  if (!failure) {
    const intent = body !== null && typeof body === 'object' ? body : {};
    if (response.ok && typeof intent.status === 'string' && typeof intent.id === 'string') {
      await settle(intent.status === 'succeeded' ? 'charged' : intent.status, intent.id, null, 0);
      return true;
    }
    if (response.status === 402) {
      const declined = intent.error !== null && typeof intent.error === 'object' ? intent.error : {};
      const id = declined.payment_intent?.id;
      await settle('declined', typeof id === 'string' ? id : null, typeof declined.code === 'string' ? declined.code : null, 0);
      return true;
    }
    // A 2xx whose answer is not a payment intent counts as a failed attempt, like a server error.
    failure = response.ok ? { status: 502 } : httpFailure(response);
  }
  const { category } = classify(failure); // kept with the order, for the operator
  const step = nextStep(apiPolicy(), attempts, failure);
  const delay = retryAfterMs(step);
  if (delay === undefined) await settle('failed', null, `${JSON.stringify(step.val)}: ${category}`, 0);
  else await settle('retrying', null, category, now() + delay / 1000 / timeScale);
  return true;
}

const IN_FLIGHT = "SELECT id, kind, status, last_event_at FROM objects WHERE kind IN ('payment', 'refund', 'payout')";
const POLLED = 'UPDATE objects SET last_event_at = ? WHERE id = ?';

/** The polling backstop: fetches one object whose events are overdue and folds its state. */
async function pollOneObject() {
  for (const o of await store.all(IN_FLIGHT)) {
    const elapsed = Math.trunc((now() - o.last_event_at) * timeScale);
    if (pollBackstop({ tag: o.kind, val: o.status }, 0, elapsed).tag !== 'poll-now') continue;
    let object;
    try {
      object = await fetchObject(`/v1/${API_PATHS[o.kind]}/${o.id}`);
    } catch (error) {
      if (error instanceof ProcessingFailed) return false; // retried on the next pass
      throw error;
    }
    await store.transaction(async (tx) => {
      const state = mapEvent('stripe', `${object.object}.updated`, object.status);
      if (state) await fold(tx, undefined, o.id, state, Math.trunc(now()));
      await tx.run(POLLED, [Math.trunc(now()), o.id]);
    });
    return true;
  }
  return false;
}

console.log('worker: started');
for (;;) {
  try {
    const started = performance.now();
    let did = (await processEvents()) > 0;
    // Under a backlog the worker would hold SQLite's write lock nearly all the time: it leaves the
    // lock free as long as it held it (at most half the time), for the receiver's inserts.
    if (did && !store.postgres) await sleep(Math.min(performance.now() - started, 50));
    else did = (await processOneEvent()) || did;
    did = (await chargeOneOrder()) || did;
    if (!did && !(await pollOneObject())) await sleep(20);
  } catch (error) {
    // The store failed (an event's own failures are recorded on it): logged, and the worker goes on after a pause.
    console.error('worker: a pass failed:', error);
    await sleep(1000);
  }
}
