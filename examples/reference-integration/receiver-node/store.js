// The receiver's durable store (SQLite through better-sqlite3, one file), the
// Python receiver's schema (examples/reference-integration/receiver-python/store.py documents each
// column; examples/reference-integration/operator's dashboard reads either): the inbox of verified
// events, the objects they fold into, alerts, the operator queue, the orders
// whose charges the worker makes, payouts, and the deliveries and processing
// attempts logs.
//
// Exactly once, as in the Python receiver: the handler records each verified
// event under its unique id before answering (a redelivery finds it); the
// worker folds one event and marks it processed in ONE transaction, so a
// crash anywhere leaves nothing half-done and nothing is applied twice.
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (event_id TEXT PRIMARY KEY, body TEXT NOT NULL, received_at REAL NOT NULL, processed_at REAL,
  times_delivered INTEGER NOT NULL DEFAULT 1, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL DEFAULT 0,
  failed_at REAL, error TEXT);
CREATE TABLE IF NOT EXISTS objects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
  events_applied INTEGER NOT NULL DEFAULT 0, last_event_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (event_id TEXT PRIMARY KEY, object_id TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operator_queue (event_id TEXT PRIMARY KEY, object_id TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL,
  card TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at REAL NOT NULL DEFAULT 0, payment_intent TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, at REAL NOT NULL, scheme TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT, ms REAL);
CREATE TABLE IF NOT EXISTS attempts (at REAL NOT NULL, event_id TEXT NOT NULL, outcome TEXT NOT NULL, error TEXT);
CREATE TABLE IF NOT EXISTS payouts (id TEXT PRIMARY KEY, amount TEXT NOT NULL, match TEXT NOT NULL, difference TEXT,
  missing INTEGER NOT NULL, unexpected INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_due ON inbox (received_at) WHERE processed_at IS NULL AND failed_at IS NULL;
`;

/** Opens (and creates on first use) the store, in WAL mode so receiver and worker run side by side. */
export function open(path) {
  const db = new Database(path, { timeout: 30000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  return db;
}

/** Unix time in seconds, with fractions. */
export const now = () => Date.now() / 1000;
