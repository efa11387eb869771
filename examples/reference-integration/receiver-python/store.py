"""The receiver's durable store: SQLite by default (one file, created on first
use, nothing to install), PostgreSQL when one machine is outgrown (several
receiver and worker processes behind one database).

Tables: the inbox of verified events (with their delivery count and, for an
event whose processing failed, the failure), the objects their states fold
into, alerts, the operator queue, the orders whose charges the worker makes,
the payouts' reconciliation, and two logs the operator's dashboard
(examples/reference-integration/operator) reads: every answered delivery and every processing
attempt, each with its time.

The exactly-once argument, in two steps:
1. The HTTP handler inserts each verified event under its unique event id
   (the primary key; a duplicate inserts nothing) and commits before answering
   200, so an event is recorded before any processing and a redelivery finds
   it already there.
2. A worker takes one unprocessed event, folds it into its object and marks it
   processed in ONE transaction. Killed anywhere before the commit, nothing of
   it stays; after the commit, the event is never taken again. With several
   workers on PostgreSQL, `FOR UPDATE SKIP LOCKED` hands each event to one
   worker at a time, and the object's row lock orders the folds of one object.
   A transaction that takes an event read earlier (its gateway call made in
   between, outside any transaction) or records its failure first checks, under
   the same lock, that it is still unprocessed (`take_event`).
So every event changes its object exactly once, whatever crashes, redeliveries
and concurrency.
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Sequence, Tuple

# Records a verified event, or counts its redelivery (and queues it again if its processing had failed).
RECORD_EVENT = ("INSERT INTO inbox (event_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO UPDATE "
                "SET times_delivered = inbox.times_delivered + 1, attempts = 0, next_attempt_at = 0, failed_at = NULL "
                "RETURNING times_delivered")

# How long a write waits for SQLite's write lock (the busy timeout) before it fails.
LOCK_WAIT_SECONDS = 30

SCHEMA = """
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
    id {serial} PRIMARY KEY,
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
CREATE TABLE IF NOT EXISTS deliveries (id {serial} PRIMARY KEY, at DOUBLE PRECISION NOT NULL, scheme TEXT NOT NULL,
    outcome TEXT NOT NULL, code TEXT, ms DOUBLE PRECISION);
-- Every processing attempt of an event: outcome 'processed', 'retrying' or 'failed' (given up).
CREATE TABLE IF NOT EXISTS attempts (at DOUBLE PRECISION NOT NULL, event_id TEXT NOT NULL, outcome TEXT NOT NULL,
    error TEXT);
CREATE TABLE IF NOT EXISTS payouts (id TEXT PRIMARY KEY, amount TEXT NOT NULL, match TEXT NOT NULL, difference TEXT,
    missing INTEGER NOT NULL, unexpected INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_due ON inbox (received_at) WHERE processed_at IS NULL AND failed_at IS NULL;
"""


def now() -> float:
    return time.time()


class Store:
    """One connection to the store. `url`: a file path (SQLite) or `postgresql://...`
    (an `options=-csearch_path=...` parameter picks the schema)."""

    def is_unavailable(self, error: BaseException) -> bool:
        """Whether `error` is the store's own trouble (I/O, a full disk, a lock not had, a lost
        connection), which passes, and never something an event's content caused."""
        if self.postgres:
            import psycopg

            # psycopg files SQLSTATE class 54 (a program limit: an index row too large, a statement
            # too complex) under OperationalError, but an event's content causes it and it never
            # passes: taken for the store's trouble, one such event would stop the worker for good.
            sqlstate = getattr(error, "sqlstate", None) or ""
            return isinstance(error, psycopg.OperationalError) and not sqlstate.startswith("54")
        return isinstance(error, sqlite3.OperationalError)

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        if self.postgres:
            import psycopg  # only needed for PostgreSQL

            try:
                self._db: Any = psycopg.connect(url, autocommit=True)
            except psycopg.Error as error:
                # psycopg's message may quote the URL, password included: only the error's kind.
                raise ConnectionError(f"cannot connect to PostgreSQL ({type(error).__name__}); "
                                      "check the --db URL") from None
            self._param = "%s"
            schema = SCHEMA.replace("{serial}", "BIGSERIAL")
            with self.transaction():
                # One creator at a time: several processes start together.
                self.execute("SELECT pg_advisory_xact_lock(7242)")
                for statement in schema.split(";"):
                    if statement.strip():
                        self.execute(statement)
        else:
            # Handed between threads by the receiver's pool, one thread at a time.
            self._db = sqlite3.connect(url, timeout=LOCK_WAIT_SECONDS, isolation_level=None, check_same_thread=False)
            self._param = "?"
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA.replace("{serial}", "INTEGER"))

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """Runs `sql` written with `?` placeholders on either database."""
        if self.postgres:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return self._db.execute(sql, tuple(args))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Runs `sql` (with `?` placeholders) once per row: one round trip on PostgreSQL (psycopg
        pipelines it)."""
        if self.postgres:
            with self._db.cursor() as cursor:
                cursor.executemany(sql.replace("%", "%%").replace("?", "%s"), rows)
        else:
            self._db.executemany(sql, rows)

    def one(self, sql: str, args: Sequence[Any] = ()) -> Optional[Tuple[Any, ...]]:
        return self.execute(sql, args).fetchone()

    def all(self, sql: str, args: Sequence[Any] = ()) -> List[Tuple[Any, ...]]:
        return self.execute(sql, args).fetchall()

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """One transaction; SQLite takes its write lock at once (BEGIN IMMEDIATE)."""
        if self.postgres:
            with self._db.transaction():
                yield self
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # also a COMMIT that failed: never left open on this connection
                self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def savepoint(self) -> Iterator["Store"]:
        """Inside a transaction: a part of it that an exception rolls back alone (and re-raises)."""
        if self.postgres:
            with self._db.transaction():  # psycopg nests a transaction as a savepoint
                yield self
            return
        self._db.execute("SAVEPOINT part")
        try:
            yield self
        except BaseException:
            self._db.execute("ROLLBACK TO part")
            self._db.execute("RELEASE part")
            raise
        self._db.execute("RELEASE part")

    def record_delivery(self, event_id: str, body: str, scheme: str) -> Tuple[bool, int]:
        """Inside a transaction: `record_event`, and the delivery's log row (outcome "recorded" or
        "duplicate"); returns (new, the log row's id). On PostgreSQL one statement (one round
        trip), on SQLite two."""
        if not self.postgres:
            new = self.record_event(event_id, body)
            row = self.one("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, NULL) RETURNING id",
                           (now(), scheme, "recorded" if new else "duplicate"))
            return new, row[0]  # type: ignore[index]
        row = self.one("WITH e AS (" + RECORD_EVENT + ") INSERT INTO deliveries (at, scheme, outcome, code) "
                       "SELECT ?, ?, CASE WHEN times_delivered = 1 THEN 'recorded' ELSE 'duplicate' END, NULL FROM e "
                       "RETURNING id, outcome", (event_id, body, now(), now(), scheme))
        return row[1] == "recorded", row[0]  # type: ignore[index]

    def record_event(self, event_id: str, body: str) -> bool:
        """Records a verified event unless its id is already there; True if it was new. A
        redelivery (or a replay) of a known event is counted, and one whose processing
        had failed is queued again; an event already processed stays processed."""
        row = self.one(RECORD_EVENT, (event_id, body, now()))
        return row is not None and row[0] == 1

    def next_event(self) -> Optional[Tuple[str, str, int]]:
        """Inside a transaction: the oldest event due for processing (event id, body, failed
        attempts so far), locked for this worker alone."""
        lock = " FOR UPDATE SKIP LOCKED" if self.postgres else ""
        return self.one("SELECT event_id, body, attempts FROM inbox WHERE processed_at IS NULL AND failed_at IS NULL "
                        "AND next_attempt_at <= ? ORDER BY received_at LIMIT 1" + lock, (now(),))

    def take_event(self, event_id: str) -> Optional[Tuple[int]]:
        """Inside a transaction: (failed attempts so far,) of this event if it is still due (not
        processed, not given up) and no other worker holds it, locked for this worker alone; else
        None. For a second transaction on an event read in an earlier one (after a call to the
        gateway made outside any transaction, or to record a failure): meanwhile another worker
        may have processed it."""
        lock = " FOR UPDATE SKIP LOCKED" if self.postgres else ""
        return self.one("SELECT attempts FROM inbox WHERE event_id = ? AND processed_at IS NULL AND failed_at IS NULL" + lock,
                        (event_id,))

    def object_state(self, object_id: str) -> Optional[Tuple[str, str]]:
        """Inside a transaction: an object's (kind, status), its row locked on PostgreSQL."""
        return self.one("SELECT kind, status FROM objects WHERE id = ?" + (" FOR UPDATE" if self.postgres else ""), (object_id,))

    def greatest(self) -> str:
        return "GREATEST" if self.postgres else "MAX"

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
