// Group commit for the receiver's deliveries, as the Go receiver's recorder.go:
// the deliveries answered in one turn of the event loop are committed in one
// transaction (one WAL sync for all of them), and each request is answered only
// once the commit that holds its event and its log row has returned. better-sqlite3
// is synchronous, so while one batch commits the next requests wait in the
// kernel; they join the next batch. Without it, every delivery paid its own
// sync (synchronous = FULL), and the syncs were the receiver's ceiling.
//
// The recorder has its own connection, without SQLite's busy handler: when the
// worker holds the write lock, a batch is tried again a millisecond later (up to
// 30 s) instead of the whole event loop sleeping in the busy handler, whose
// sleeps grow to 100 ms.
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
const isBusy = (error) => error?.code === 'SQLITE_BUSY';

/** Commits deliveries in groups; `record` resolves once a delivery is committed. */
export class Recorder {
  #db;
  #scheme;
  #pending = [];
  #timings = []; // how long the gateway waited: written with the next batch
  #scheduled = false;
  #record;
  #log;
  #timeTaken;

  #busySince = undefined; // when the lock was first found taken, for the batch being tried

  /** `path`: the store's SQLite file (the recorder opens its own connection to it). */
  constructor(path, scheme) {
    const db = open(path);
    db.pragma('busy_timeout = 0'); // the lock is polled for (#waitForLock), never slept for
    this.#db = db;
    this.#scheme = scheme;
    // A redelivery (or replay) is counted, and requeues an event whose processing had failed.
    this.#record = db.prepare(`INSERT INTO inbox (event_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO UPDATE
      SET times_delivered = inbox.times_delivered + 1, attempts = 0, next_attempt_at = 0, failed_at = NULL RETURNING times_delivered`);
    this.#log = db.prepare('INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?)');
    this.#timeTaken = db.prepare('UPDATE deliveries SET ms = ? WHERE id = ?');
  }

  /**
   * Records a verified event (`eventId`, `body`) or a refusal (`code`: paywit's error code) with
   * its log row; resolves to `{ duplicate, logged }` once committed.
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

  #write(item) {
    if (item.code !== undefined) {
      return { duplicate: false, logged: this.#log.run(now(), this.#scheme, 'refused', item.code).lastInsertRowid };
    }
    const duplicate = this.#record.get(item.eventId, item.body, now()).times_delivered > 1;
    return { duplicate, logged: this.#log.run(now(), this.#scheme, duplicate ? 'duplicate' : 'recorded', null).lastInsertRowid };
  }

  #flush() {
    this.#scheduled = false;
    const batch = this.#pending.slice(0, MAX_BATCH);
    const timings = this.#timings.slice();
    try {
      const results = this.#db.transaction(() => {
        for (const [ms, logged] of timings) this.#timeTaken.run(ms, logged);
        return batch.map((item) => this.#write(item));
      }).immediate();
      this.#settled(batch.length, timings.length);
      batch.forEach((item, i) => item.resolve(results[i]));
    } catch (batchError) {
      if (isBusy(batchError) && this.#waitForLock()) return;
      this.#settled(batch.length, timings.length);
      // One transaction each: a failure is only its own delivery's.
      for (const item of batch) {
        try {
          item.resolve(this.#db.transaction(() => this.#write(item)).immediate());
        } catch (error) {
          item.reject(error);
        }
      }
      if (timings.length > 0) {
        try {
          this.#db.transaction(() => {
            for (const [ms, logged] of timings) this.#timeTaken.run(ms, logged);
          }).immediate();
        } catch (error) {
          console.error('receiver: the deliveries\' times taken were not written:', error); // a log column only
        }
      }
    }
  }

  /** The lock is taken: tries the same batch (and what joined it) again in a millisecond, unless it has waited too long. */
  #waitForLock() {
    this.#busySince ??= Date.now();
    if (Date.now() - this.#busySince > LOCK_WAIT_MS) return false;
    this.#scheduled = true;
    setTimeout(() => this.#flush(), 1);
    return true;
  }

  /** Takes a done batch off the queues; more waiting is flushed next. */
  #settled(items, timings) {
    this.#busySince = undefined;
    this.#pending.splice(0, items);
    this.#timings.splice(0, timings);
    if (this.#pending.length > 0 || this.#timings.length > 0) this.#schedule();
  }
}
