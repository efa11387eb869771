"""The receiver's durable store (SQLite, one file): the inbox of verified
events, the objects their states fold into, alerts, the operator queue, and
the orders whose charges the worker makes.

The exactly-once argument, in two steps:
1. The HTTP handler inserts each verified event under its unique event id
   (`INSERT OR IGNORE`) and commits before answering 200, so an event is
   recorded before any processing and a redelivery finds it already there.
2. The worker takes one unprocessed event, folds it into its object and marks
   it processed in ONE transaction. Killed anywhere before the commit, nothing
   of it stays; after the commit, the event is never taken again. So every
   event changes its object exactly once, whatever crashes and redeliveries.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    event_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    received_at REAL NOT NULL,
    processed_at REAL
);
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    events_applied INTEGER NOT NULL DEFAULT 0,
    last_event_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (event_id TEXT PRIMARY KEY, object_id TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operator_queue (event_id TEXT PRIMARY KEY, object_id TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    amount INTEGER NOT NULL,
    card TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    payment_intent TEXT,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS refusals (at REAL NOT NULL, code TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS acks (ms REAL NOT NULL);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the store (created on first use), in WAL mode so the
    receiver and the worker run side by side."""
    connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.executescript(SCHEMA)
    return connection


def now() -> float:
    return time.time()
