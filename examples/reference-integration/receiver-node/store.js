// The receiver's durable store, the Python receiver's schema
// (examples/reference-integration/receiver-python/store.py documents each column;
// examples/reference-integration/operator's dashboard reads either): the inbox of verified
// events, the objects they fold into, alerts, the operator queue, the orders
// whose charges the worker makes, payouts, and the deliveries and processing
// attempts logs. SQLite by default (better-sqlite3, one file), PostgreSQL
// (postgres.js) when one machine is outgrown: several receivers and workers
// behind one database.
//
// Exactly once, as in the Python receiver: the handler records each verified
// event under its unique id before answering (a redelivery finds it); the
// worker folds one event and marks it processed in ONE transaction, so a
// crash anywhere leaves nothing half-done and nothing is applied twice. With
// several workers on PostgreSQL, `FOR UPDATE SKIP LOCKED` hands each event to
// one worker at a time and the object's row lock orders the folds of one
// object; a transaction on an event read earlier (after a gateway call made
// outside any transaction, or to record a failure) first checks, under the
// same lock, that it is still due.
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

/** Whether `url` names a PostgreSQL database (else it is a SQLite file). */
export const isPostgres = (url) => /^postgres(ql)?:\/\//.test(url);

/** Opens (and creates on first use) the SQLite store, in WAL mode so receiver and worker run side by side. */
export function open(path) {
  const db = new Database(path, { timeout: 30000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  return db;
}

/** Unix time in seconds, with fractions. */
export const now = () => Date.now() / 1000;

/**
 * The store as the worker uses it, on either database: SQL written with `?` placeholders, rows as
 * objects, every call a promise.
 *
 * @typedef {object} Store
 * @property {boolean} postgres
 * @property {string} lock ` FOR UPDATE SKIP LOCKED` on PostgreSQL (rows a worker takes for itself
 *   alone, which other workers skip), nothing on SQLite (its write lock does it)
 * @property {string} greatest the two-argument maximum (`GREATEST`, `MAX`)
 * @property {(sql: string, args?: unknown[]) => Promise<any[]>} all
 * @property {(sql: string, args?: unknown[]) => Promise<any>} get the first row, or undefined
 * @property {(sql: string, args?: unknown[]) => Promise<{ changes: number }>} run
 * @property {<T>(fn: (tx: Store) => Promise<T>) => Promise<T>} transaction runs `fn` in one
 *   transaction (SQLite: its write lock taken at once), committed unless it throws; `tx` runs its
 *   queries in it (on SQLite it is the store itself)
 * @property {<T>(fn: () => Promise<T>) => Promise<T>} savepoint on a transaction's `tx`: a part of
 *   the transaction that a throw rolls back alone (and rethrows)
 * @property {(error: unknown) => boolean} isUnavailable whether `error` is the store's own trouble
 *   (I/O, a full disk, a lock not had, a lost connection), never something an event caused
 */

/** Opens the store at `url` (a SQLite file or a `postgresql://` URL) as a {@link Store}. */
export async function openStore(url) {
  if (isPostgres(url)) {
    const { PostgresStore } = await import('./postgres.js'); // pg is loaded only for PostgreSQL
    return PostgresStore.open(url);
  }
  return new SqliteStore(open(url));
}

/** The SQLite store behind the async {@link Store} interface (statements prepared once, run synchronously). */
class SqliteStore {
  postgres = false;
  lock = '';
  greatest = 'MAX';
  #db;
  #statements = new Map();
  #savepoints = 0;

  constructor(db) {
    this.#db = db;
  }

  #prepare(sql) {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  async all(sql, args = []) { return this.#prepare(sql).all(...args); }
  async get(sql, args = []) { return this.#prepare(sql).get(...args); }
  async run(sql, args = []) { return this.#prepare(sql).run(...args); }

  async transaction(fn) {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK'); // SQLite may have rolled back itself (I/O, a full disk)
      throw error;
    }
  }

  async savepoint(fn) {
    const name = `part${++this.#savepoints}`;
    this.#db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.#db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    }
  }

  isUnavailable(error) {
    return /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|NOMEM|PROTOCOL)/.test(error?.code ?? '');
  }

  close() {
    this.#db.close();
  }
}
