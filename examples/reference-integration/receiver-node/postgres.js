// The store on PostgreSQL (node-postgres): the schema of the Python receiver's store.py for
// PostgreSQL, statement by statement, and the {@link Store} interface of store.js over a pool of
// connections. The URL's `options=-csearch_path=...` parameter picks the schema.
import pg from 'pg';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (
    event_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    processed_at DOUBLE PRECISION,
    times_delivered INTEGER NOT NULL DEFAULT 1,           -- genuine deliveries, redeliveries and replays included
    attempts INTEGER NOT NULL DEFAULT 0,                  -- failed processing attempts since last (re)queued
    next_attempt_at DOUBLE PRECISION NOT NULL DEFAULT 0,  -- when a failed event is retried
    failed_at DOUBLE PRECISION,                           -- processing gave up (a redelivery or replay requeues it)
    error TEXT                                            -- the last processing failure, never a secret
);
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    events_applied INTEGER NOT NULL DEFAULT 0,
    last_event_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (event_id TEXT PRIMARY KEY, object_id TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operator_queue (event_id TEXT PRIMARY KEY, object_id TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    amount INTEGER NOT NULL,
    card TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL DEFAULT 0,
    payment_intent TEXT,
    detail TEXT
);
-- Every answered delivery, written with its event before the answer: outcome 'recorded', 'duplicate' or
-- 'refused' (code: paywit's error code), ms: how long the gateway waited (filled in after the answer).
CREATE TABLE IF NOT EXISTS deliveries (id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, scheme TEXT NOT NULL,
    outcome TEXT NOT NULL, code TEXT, ms DOUBLE PRECISION);
-- Every processing attempt of an event: outcome 'processed', 'retrying' or 'failed' (given up).
CREATE TABLE IF NOT EXISTS attempts (at DOUBLE PRECISION NOT NULL, event_id TEXT NOT NULL, outcome TEXT NOT NULL,
    error TEXT);
CREATE TABLE IF NOT EXISTS payouts (id TEXT PRIMARY KEY, amount TEXT NOT NULL, match TEXT NOT NULL, difference TEXT,
    missing INTEGER NOT NULL, unexpected INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_due ON inbox (received_at) WHERE processed_at IS NULL AND failed_at IS NULL;
`;

// BIGINT and BIGSERIAL columns (timestamps, ids) as numbers, as better-sqlite3 gives them: every
// value the receivers write is within 2^53 (MAX_TIMESTAMP, the ids).
const BIGINT_AS_NUMBER = {
  getTypeParser: (oid, format) => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)),
};

// The SQLSTATE classes of the store's own trouble, as the Go and Python receivers read them:
// connection, a transaction rolled back (serialization failure, deadlock), resources, state,
// operator intervention, system errors. Not 54 (a program limit, such as an index row too large):
// an event's content causes it and it never passes, so it is that event's failure.
const UNAVAILABLE_CLASSES = new Set(['08', '40', '53', '55', '57', '58']);
// node-postgres's own errors for a connection lost or not had (no SQLSTATE).
const CONNECTION_LOST = /Connection terminated|not queryable|timeout exceeded when trying to connect/;

/** `?` placeholders as PostgreSQL's $1, $2, ... (no `?` appears in the receivers' SQL but as a placeholder). */
const rewritten = new Map();
function rewrite(sql) {
  let text = rewritten.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    rewritten.set(sql, text);
  }
  return text;
}

/** Whether `error` is the store's own trouble, which passes, never something an event's content caused. */
export function isUnavailable(error) {
  if (error instanceof pg.DatabaseError) return UNAVAILABLE_CLASSES.has(String(error.code).slice(0, 2));
  // A socket's error (ECONNREFUSED, ECONNRESET, EPIPE, ...) or node-postgres's word for a lost connection.
  return /^E[A-Z]+$/.test(error?.code ?? '') || CONNECTION_LOST.test(error?.message ?? '');
}

/** Queries on one connection (a transaction's) or on the pool (each query on whichever connection is free). */
class Queries {
  postgres = true;
  lock = ' FOR UPDATE SKIP LOCKED';
  greatest = 'GREATEST';
  isUnavailable = isUnavailable;
  /** @type {pg.Pool | pg.PoolClient} */
  db;

  constructor(db) {
    this.db = db;
  }

  async all(sql, args = []) { return (await this.db.query(rewrite(sql), args)).rows; }
  async get(sql, args = []) { return (await this.db.query(rewrite(sql), args)).rows[0]; }
  async run(sql, args = []) { return { changes: (await this.db.query(rewrite(sql), args)).rowCount ?? 0 }; }
}

/** A transaction: its own connection, taken from the pool for it. */
class Transaction extends Queries {
  #savepoints = 0;

  async savepoint(fn) {
    const name = `part${++this.#savepoints}`;
    await this.db.query(`SAVEPOINT ${name}`);
    let result;
    try {
      result = await fn();
    } catch (error) {
      // An error aborts the whole transaction until it is rolled back to the savepoint.
      await this.db.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.db.query(`RELEASE SAVEPOINT ${name}`);
      throw error;
    }
    await this.db.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  }
}

/** The {@link Store} on PostgreSQL: a pool of connections; a transaction holds one of them. */
export class PostgresStore extends Queries {
  /**
   * Connects to `url` and creates the tables that are missing (one process at a time: several
   * receivers and workers start together). `size`: the most connections the pool opens.
   */
  static async open(url, size = 4) {
    const pool = new pg.Pool({ connectionString: url, max: size, types: BIGINT_AS_NUMBER });
    // An idle connection that breaks is dropped by the pool; without a listener its error would end the process.
    pool.on('error', (error) => console.error('store: an idle PostgreSQL connection failed:', error.message));
    const store = new PostgresStore(pool);
    try {
      await store.transaction(async (tx) => {
        await tx.run('SELECT pg_advisory_xact_lock(7242)');
        for (const statement of SCHEMA.split(';')) {
          if (statement.trim()) await tx.run(statement);
        }
      });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  /** Runs `fn` in one transaction on a connection of its own: committed unless `fn` throws (then rolled back). */
  async transaction(fn) {
    const client = await this.db.connect();
    let broken;
    try {
      await client.query('BEGIN');
      const result = await fn(new Transaction(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isUnavailable(error)) broken = error; // a connection in trouble is not reused
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError; // the connection is gone: the pool drops it
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Closes the pool. */
  close() {
    return this.db.end();
  }
}
