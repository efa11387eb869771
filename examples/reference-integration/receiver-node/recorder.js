// Group commit for the receiver's deliveries, as the Go receiver's recorder.go:
// the deliveries answered in one turn of the event loop are committed in one
// transaction (one WAL sync, one PostgreSQL commit, for all of them), and each
// request is answered only once the commit that holds its event and its log
// row has returned. Without it, every delivery paid its own sync (synchronous =
// FULL), and the syncs were the receiver's ceiling.
//
// On SQLite (better-sqlite3, synchronous) a batch commits within one turn of
// the event loop, and the next requests wait in the kernel; they join the next
// batch. The recorder has its own connection, without SQLite's busy handler:
// when the worker holds the write lock, a batch is tried again a millisecond
// later (up to 30 s) instead of the whole event loop sleeping in the busy
// handler, whose sleeps grow to 100 ms. On PostgreSQL the requests that arrive
// while a batch commits join the next one.
//
// Nothing of the exactly-once argument changes. A batch whose transaction
// fails is rolled back whole and its deliveries are committed again one
// transaction each, so a failure is only its own delivery's (answered 500, the
// gateway redelivers).
import { open, now } from './store.js';

/** The most deliveries committed in one transaction. */
const MAX_BATCH = 256;
/** How long a batch waits for SQLite's write lock before its requests fail (500: redelivered). */
const LOCK_WAIT_MS = 30_000;

// A redelivery (or replay) is counted, and requeues an event whose processing had failed.
const RECORD = `INSERT INTO inbox (event_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO UPDATE
  SET times_delivered = inbox.times_delivered + 1, attempts = 0, next_attempt_at = 0, failed_at = NULL RETURNING times_delivered`;
const LOG = 'INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?)';
const TIME_TAKEN = 'UPDATE deliveries SET ms = ? WHERE id = ?';

/**
 * One delivery to record: a verified event (`eventId`, `body`) or a refusal (`code`: paywit's error code).
 * @typedef {{ eventId?: string, body?: string, code?: string }} Delivery
 */

/** Commits deliveries in groups; `record` resolves once a delivery is committed. */
export class Recorder {
  #writer;
  #pending = [];
  #timings = []; // how long the gateway waited: written with the next batch
  #scheduled = false; // a flush is due or running
  #busySince = undefined; // when the lock was first found taken, for the batch being tried

  /**
   * `store`: the SQLite file's path (the recorder opens its own connection to it) or a
   * PostgresStore (postgres.js; the recorder shares its pool).
   */
  constructor(store, scheme) {
    this.#writer = typeof store === 'string' ? new SqliteWriter(store, scheme) : new PostgresWriter(store, scheme);
  }

  /**
   * Records a delivery with its log row; resolves to `{ duplicate, logged }` (the log row's id) once committed.
   * @param {Delivery} delivery
   */
  record({ eventId, body, code }) {
    return new Promise((resolve, reject) => {
      this.#pending.push({ eventId, body, code, resolve, reject });
      this.#schedule();
    });
  }

  /** Adds a delivery's time taken to its log row, with the next batch. */
  timeTaken(logged, ms) {
    this.#timings.push([ms, logged]);
    this.#schedule();
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  // On SQLite every `await` here is of a value already there: the batch is written and its
  // requests resolved within one turn of the event loop, as when this was synchronous.
  async #flush() {
    const batch = this.#pending.slice(0, MAX_BATCH);
    const timings = this.#timings.slice();
    try {
      const results = await this.#writer.commit(batch, timings);
      this.#taken(batch.length, timings.length);
      batch.forEach((item, i) => item.resolve(results[i]));
    } catch (batchError) {
      if (this.#writer.isBusy(batchError) && this.#waitForLock()) return;
      this.#taken(batch.length, timings.length);
      // One transaction each: a failure is only its own delivery's.
      for (const item of batch) {
        try {
          item.resolve((await this.#writer.commit([item], []))[0]);
        } catch (error) {
          item.reject(error);
        }
      }
      if (timings.length > 0) {
        try {
          await this.#writer.commit([], timings);
        } catch (error) {
          console.error('receiver: the deliveries\' times taken were not written:', error); // a log column only
        }
      }
    }
    this.#scheduled = false;
    if (this.#pending.length > 0 || this.#timings.length > 0) this.#schedule();
  }

  /** The lock is taken: tries the same batch (and what joined it) again in a millisecond, unless it has waited too long. */
  #waitForLock() {
    this.#busySince ??= Date.now();
    if (Date.now() - this.#busySince > LOCK_WAIT_MS) return false;
    setTimeout(() => this.#flush(), 1);
    return true;
  }

  /** Takes a done batch off the queues. */
  #taken(items, timings) {
    this.#busySince = undefined;
    this.#pending.splice(0, items);
    this.#timings.splice(0, timings);
  }
}

/** Writes batches to SQLite, synchronously, each in one transaction that takes the write lock at once. */
class SqliteWriter {
  #db;
  #scheme;
  #record;
  #log;
  #timeTaken;

  constructor(path, scheme) {
    const db = open(path);
    db.pragma('busy_timeout = 0'); // the lock is polled for (Recorder.#waitForLock), never slept for
    this.#db = db;
    this.#scheme = scheme;
    this.#record = db.prepare(RECORD);
    this.#log = db.prepare(LOG);
    this.#timeTaken = db.prepare(TIME_TAKEN);
  }

  /** Whether a batch failed only because another connection holds SQLite's write lock. */
  isBusy(error) {
    return error?.code === 'SQLITE_BUSY';
  }

  /** The times taken and the deliveries (their `{ duplicate, logged }`) in one transaction. */
  commit(items, timings) {
    return this.#db.transaction(() => {
      for (const [ms, logged] of timings) this.#timeTaken.run(ms, logged);
      return items.map((item) => this.#write(item));
    }).immediate();
  }

  #write(item) {
    if (item.code !== undefined) {
      return { duplicate: false, logged: this.#log.run(now(), this.#scheme, 'refused', item.code).lastInsertRowid };
    }
    const duplicate = this.#record.get(item.eventId, item.body, now()).times_delivered > 1;
    return { duplicate, logged: this.#log.run(now(), this.#scheme, duplicate ? 'duplicate' : 'recorded', null).lastInsertRowid };
  }
}

/** Writes batches to PostgreSQL, each in one transaction on a connection of the store's pool. */
class PostgresWriter {
  #store;
  #scheme;

  constructor(store, scheme) {
    this.#store = store;
    this.#scheme = scheme;
  }

  isBusy() {
    return false; // PostgreSQL's writers wait for each other's row locks themselves
  }

  /** The times taken and the deliveries (their `{ duplicate, logged }`) in one transaction. */
  commit(items, timings) {
    return this.#store.transaction(async (tx) => {
      for (const [ms, logged] of timings) await tx.run(TIME_TAKEN, [ms, logged]);
      const results = [];
      for (const item of items) {
        let duplicate = false;
        if (item.code === undefined) duplicate = (await tx.get(RECORD, [item.eventId, item.body, now()])).times_delivered > 1;
        const outcome = item.code !== undefined ? 'refused' : duplicate ? 'duplicate' : 'recorded';
        const { id } = await tx.get(`${LOG} RETURNING id`, [now(), this.#scheme, outcome, item.code ?? null]);
        results.push({ duplicate, logged: id });
      }
      return results;
    });
  }
}
