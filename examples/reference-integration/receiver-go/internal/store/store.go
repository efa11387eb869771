// Package store is the receiver's durable store: SQLite by default (one file,
// created on first use, nothing to install; modernc.org/sqlite, pure Go) or
// PostgreSQL when one machine is outgrown (pgx; several receiver and worker
// processes behind one database). It is the schema of the Python and Node
// receivers (examples/reference-integration/receiver-python/store.py documents each column), so the
// operator's dashboard and the day-of-traffic harness read it as theirs.
//
// The exactly-once argument, in two steps:
//  1. The HTTP handler inserts each verified event under its unique event id
//     (the primary key; a duplicate inserts nothing) and commits before
//     answering 200, so an event is recorded before any processing and a
//     redelivery finds it already there.
//  2. A worker takes one unprocessed event, folds it into its object and marks
//     it processed in ONE transaction. Killed anywhere before the commit,
//     nothing of it stays; after the commit, the event is never taken again.
//     With several workers on PostgreSQL, FOR UPDATE SKIP LOCKED hands each
//     event to one worker at a time, and the object's row lock orders the folds
//     of one object. A transaction that takes an event read earlier (its
//     gateway call made in between, outside any transaction) or records its
//     failure first checks, under the same lock, that it is still unprocessed
//     (TakeEvent).
//
// So every event changes its object exactly once, whatever crashes,
// redeliveries and concurrency.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver
)

// schema is store.py's, statement by statement; {serial} is the dialect's
// auto-incrementing key type.
const schema = `
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
CREATE INDEX IF NOT EXISTS inbox_due ON inbox (received_at) WHERE processed_at IS NULL AND failed_at IS NULL
`

// Now is Unix time in seconds, with fractions (the store's timestamps).
func Now() float64 { return float64(time.Now().UnixNano()) / 1e9 }

// Store is the store's connection pool, SQLite or PostgreSQL. Its methods take
// SQL written with ? placeholders on either database.
type Store struct {
	db *sql.DB
	// Postgres is whether the store is PostgreSQL (else SQLite).
	Postgres bool
}

// Open opens (and creates on first use) the store at url: a file path
// (SQLite, in WAL mode so receivers and workers run side by side, every
// transaction taking the write lock at once: BEGIN IMMEDIATE) or a
// postgresql:// URL (an options=-csearch_path=... parameter picks the schema).
func Open(url string) (*Store, error) {
	s := &Store{Postgres: strings.HasPrefix(url, "postgresql://") || strings.HasPrefix(url, "postgres://")}
	var err error
	if s.Postgres {
		if s.db, err = sql.Open("pgx", url); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(8)
	} else {
		if strings.ContainsAny(url, "?#") {
			return nil, fmt.Errorf("store: a SQLite path may not contain ? or #: %q", url)
		}
		dsn := "file:" + url + "?_txlock=immediate&_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
		if s.db, err = sql.Open("sqlite", dsn); err != nil {
			return nil, err
		}
		// One writer at a time anyway (SQLite's write lock): one connection per process, so
		// the process's requests queue in the pool rather than in SQLite's busy handler's sleeps.
		s.db.SetMaxOpenConns(1)
	}
	if err := s.create(); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// create makes the tables that are missing (one creator at a time on PostgreSQL:
// several processes start together).
func (s *Store) create() error {
	serial := "INTEGER"
	if s.Postgres {
		serial = "BIGSERIAL"
	}
	return s.Transaction(func(tx *Tx) error {
		if s.Postgres {
			if _, err := tx.Exec("SELECT pg_advisory_xact_lock(7242)"); err != nil {
				return err
			}
		}
		for _, statement := range strings.Split(strings.ReplaceAll(schema, "{serial}", serial), ";") {
			if strings.TrimSpace(statement) == "" {
				continue
			}
			if _, err := tx.Exec(statement); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Greatest is the dialect's two-argument maximum.
func (s *Store) Greatest() string {
	if s.Postgres {
		return "GREATEST"
	}
	return "MAX"
}

// Lock is the clause that locks the rows a worker takes for itself alone, so
// that other workers skip them (PostgreSQL; SQLite's write lock does it there).
func (s *Store) Lock() string {
	if s.Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// rewrite turns ? placeholders into PostgreSQL's $1, $2, ... (no ? appears in
// the receivers' SQL but as a placeholder).
func (s *Store) rewrite(query string) string {
	if !s.Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Exec runs one statement outside any transaction.
func (s *Store) Exec(query string, args ...any) (sql.Result, error) {
	return s.db.Exec(s.rewrite(query), args...)
}

// QueryRow runs a query outside any transaction; its Scan reports sql.ErrNoRows.
func (s *Store) QueryRow(query string, args ...any) *sql.Row {
	return s.db.QueryRow(s.rewrite(query), args...)
}

// Query runs a query outside any transaction (close the rows).
func (s *Store) Query(query string, args ...any) (*sql.Rows, error) {
	return s.db.Query(s.rewrite(query), args...)
}

// Tx is one transaction.
type Tx struct {
	tx *sql.Tx
	s  *Store
}

// Transaction runs fn in one transaction: committed if fn returns nil, rolled
// back otherwise (and on a panic, which goes on). SQLite takes its write lock
// at once (BEGIN IMMEDIATE).
func (s *Store) Transaction(fn func(tx *Tx) error) (err error) {
	t, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			t.Rollback()
		}
	}()
	if err = fn(&Tx{tx: t, s: s}); err != nil {
		done = true
		if rollback := t.Rollback(); rollback != nil && !errors.Is(rollback, sql.ErrTxDone) {
			return errors.Join(err, rollback)
		}
		return err
	}
	done = true
	return t.Commit()
}

// Greatest is the dialect's two-argument maximum.
func (t *Tx) Greatest() string { return t.s.Greatest() }

// Exec runs one statement in the transaction.
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return t.tx.Exec(t.s.rewrite(query), args...)
}

// QueryRow runs a query in the transaction; its Scan reports sql.ErrNoRows.
func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRow(t.s.rewrite(query), args...)
}

// Query runs a query in the transaction (close the rows).
func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	return t.tx.Query(t.s.rewrite(query), args...)
}

// RecordEvent records a verified event unless its id is already there; true if
// it was new. A redelivery (or a replay) of a known event is counted, and one
// whose processing had failed is queued again; an event already processed stays
// processed.
func (t *Tx) RecordEvent(eventID, body string) (bool, error) {
	var delivered int64
	err := t.QueryRow("INSERT INTO inbox (event_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO UPDATE "+
		"SET times_delivered = inbox.times_delivered + 1, attempts = 0, next_attempt_at = 0, failed_at = NULL "+
		"RETURNING times_delivered", eventID, body, Now()).Scan(&delivered)
	return delivered == 1, err
}

// Event is an event due for processing.
type Event struct {
	ID       string
	Body     string
	Attempts int64 // failed attempts so far
}

// eventDue is the condition on an inbox row due for processing (? is now).
const eventDue = "processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"

// EventDue is whether any event looks due for processing, read outside any
// transaction: on SQLite a plain read in WAL mode neither takes the write lock
// nor waits for it, so an idle worker does not hold up the receivers' inserts.
// A hint only, never a claim: the event is taken, and its state checked again
// under the lock, by NextEvent in a transaction (another worker may have taken
// it meanwhile), and one recorded just after this read is found on the next pass.
func (s *Store) EventDue() (bool, error) {
	return s.Any("SELECT 1 FROM inbox WHERE "+eventDue+" LIMIT 1", Now())
}

// Any is whether a query run outside any transaction returns a row (a worker's
// look for work before it takes a lock: a hint, never a claim).
func (s *Store) Any(query string, args ...any) (bool, error) {
	var one int
	err := s.QueryRow(query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// NextEvent is the oldest event due for processing, locked for this worker
// alone; nil when there is none.
func (t *Tx) NextEvent() (*Event, error) {
	var e Event
	err := t.QueryRow("SELECT event_id, body, attempts FROM inbox WHERE "+eventDue+
		" ORDER BY received_at LIMIT 1"+t.s.Lock(), Now()).Scan(&e.ID, &e.Body, &e.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// TakeEvent is the failed attempts so far of this event if it is still due (not
// processed, not given up) and no other worker holds it, locked for this worker
// alone; ok false otherwise. For a second transaction on an event read in an
// earlier one (after a call to the gateway made outside any transaction, or to
// record a failure): meanwhile another worker may have processed it.
func (t *Tx) TakeEvent(eventID string) (attempts int64, ok bool, err error) {
	err = t.QueryRow("SELECT attempts FROM inbox WHERE event_id = ? AND processed_at IS NULL AND failed_at IS NULL"+t.s.Lock(),
		eventID).Scan(&attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return attempts, err == nil, err
}

// ObjectState is an object's kind and status (its row locked on PostgreSQL);
// ok false when there is no such row.
func (t *Tx) ObjectState(objectID string) (kind, status string, ok bool, err error) {
	lock := ""
	if t.s.Postgres {
		lock = " FOR UPDATE"
	}
	err = t.QueryRow("SELECT kind, status FROM objects WHERE id = ?"+lock, objectID).Scan(&kind, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	return kind, status, err == nil, err
}
