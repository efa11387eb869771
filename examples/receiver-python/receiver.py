"""A webhook receiver that follows the integration guide, on Python's standard
library: verify the signature on the raw body (401), record the event id
before processing (a duplicate gets 200 and is not processed again), persist
and answer 200 at once; a separate worker process (worker.py) does the rest.
It also takes orders: each gets its idempotency key, persisted with the order
before any call to the gateway, which the worker makes.

    python receiver.py --db receiver.sqlite --port 8001 --secret whsec_...
"""
from __future__ import annotations

import argparse
import json
import queue
import re
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

import paywit
from store import Store, now

SCHEME = "standard-webhooks"  # the sandbox gateway's; the deliveries log keeps it per row
# The most body a request may have: paywit's verify limit (paywit::limits::MAX_BODY_BYTES, the
# "body-bytes" of paywit's abi.json), as verify would refuse a larger one anyway. A larger
# Content-Length is answered 413 before any of the body is read; a body without a Content-Length
# (chunked) is refused with 411, so nothing is ever read past this.
MAX_BODY_BYTES = 16 * 1024 * 1024
# A connection that sends nothing for this long is dropped (a stalled body holds no thread for good).
SOCKET_TIMEOUT_SECONDS = 30
# A request's headers and body must have arrived this long after its first byte, however slowly they
# trickle in (the socket timeout bounds each read only); then the connection is closed.
REQUEST_DEADLINE_SECONDS = 30.0
# An order's amount: a positive integer, at most 2^53 - 1 (the same numbers in JSON everywhere).
MAX_AMOUNT = 2**53 - 1


class Refused(Exception):
    """A request answered with an error status, before or instead of doing anything."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


def parse_order(raw: bytes) -> "tuple[int, str]":
    """An order's (amount, card) from its JSON body; raises Refused (400) on anything else."""
    try:
        order = json.loads(raw)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past the parser's depth
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(order, dict):
        raise Refused(400, "the body is not a JSON object")
    amount, card = order.get("amount"), order.get("card")
    if isinstance(amount, float) and amount.is_integer():
        amount = int(amount)  # 1200.0 is 1200, as in JavaScript
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise Refused(400, f"amount must be a whole number from 1 to {MAX_AMOUNT}")
    if not isinstance(card, str) or not 0 < len(card) <= 64:
        raise Refused(400, "card must be a string of 1 to 64 characters")
    return amount, card


class Deadlines:
    """Closes the connections whose request has not fully arrived by its deadline: one watchdog
    thread for the server, not a timer per request."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.pending: "dict[int, tuple[float, socket.socket]]" = {}
        threading.Thread(target=self._watch, daemon=True).start()

    def start(self, connection: socket.socket) -> None:
        with self.lock:
            self.pending[id(connection)] = (time.monotonic() + self.seconds, connection)

    def end(self, connection: socket.socket) -> None:
        with self.lock:
            self.pending.pop(id(connection), None)

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.seconds / 4))
            # Under the lock, so a request whose body was read (`end`) before is never cut off.
            with self.lock:
                for key, (due, connection) in list(self.pending.items()):
                    if due < time.monotonic():
                        del self.pending[key]
                        try:
                            connection.shutdown(socket.SHUT_RDWR)  # the handler's read ends; it closes
                        except OSError:
                            pass


def make_handler(db: str, verifier: paywit.Verifier, pause_before_answer: float = 0.0,
                 request_deadline: float = REQUEST_DEADLINE_SECONDS) -> type:
    pool: "queue.SimpleQueue[Store]" = queue.SimpleQueue()  # store connections, reused across requests
    deadlines = Deadlines(request_deadline)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = SOCKET_TIMEOUT_SECONDS

        def handle_one_request(self) -> None:
            try:
                # An idle keep-alive connection waits for its next request under the socket
                # timeout only: the deadline runs from the request's first byte.
                if not self.rfile.peek(1):
                    self.close_connection = True
                    return
            except (TimeoutError, OSError):
                self.close_connection = True
                return
            deadlines.start(self.connection)  # until the body is read (see _body)
            try:
                super().handle_one_request()
            finally:
                deadlines.end(self.connection)

        def _answer(self, status: int, body: dict, close: bool = False) -> None:
            data = json.dumps(body).encode()
            self.answered = True
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            if close:  # the rest of the request is not read: the connection cannot be reused
                self.send_header("connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            """The body, never more than MAX_BODY_BYTES of it; raises Refused before reading any
            of it when its length is missing, malformed or over the cap."""
            if self.headers.get_all("transfer-encoding"):
                raise Refused(411, "a Content-Length is required (no chunked bodies)")
            lengths = self.headers.get_all("content-length") or []
            if not lengths:
                raise Refused(411, "a Content-Length is required")
            if len(lengths) > 1 or not re.fullmatch(r"[0-9]{1,20}", lengths[0].strip(" \t")):
                raise Refused(400, "a bad Content-Length")
            length = int(lengths[0])
            if length > MAX_BODY_BYTES:
                raise Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
            try:
                raw = self.rfile.read(length)
            except TimeoutError:
                raise Refused(408, "the body stalled") from None
            finally:
                deadlines.end(self.connection)  # what follows is the receiver's own time
            if len(raw) < length:
                raise Refused(400, "the body ended before its Content-Length")
            self.body_read = True
            return raw

        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            """Any request: a fault of the request's is its 4xx; anything else raised is logged and
            answered 500, and the server goes on (no request stops the receiver)."""
            started = time.perf_counter()
            self.answered = self.body_read = False
            store: Any = None
            try:
                raw = self._body()
                try:
                    store = pool.get_nowait()
                except queue.Empty:
                    store = Store(db)
                if self.path == "/webhooks":
                    self._webhook(store, raw, started)
                elif self.path == "/orders":
                    amount, card = parse_order(raw)
                    key = paywit.new_key()  # persisted with the order, before any call
                    row = store.one("INSERT INTO orders (idempotency_key, amount, card) VALUES (?, ?, ?) RETURNING id",
                                    (key, amount, card))
                    self._answer(202, {"order": row[0], "idempotency_key": key})
                else:
                    self._answer(404, {"error": "not found"})
            except Refused as refused:
                try:  # a body not read (all of it) leaves the connection unusable: it is closed
                    self._answer(refused.status, {"error": refused.error}, close=not self.body_read)
                except ConnectionError:
                    self.close_connection = True
            except ConnectionError:  # the client went away
                self.close_connection = True
            except Exception:
                print(f"receiver: {self.command} {self.path} failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
                if store is not None:
                    store.close()  # a connection that failed is not reused
                    store = None
                try:
                    if not self.answered:
                        self._answer(500, {"error": "internal error"}, close=True)
                except ConnectionError:
                    pass
                self.close_connection = True
            if store is not None:
                pool.put(store)

        def _webhook(self, store: Store, raw: bytes, started: float) -> None:
            """Answers one delivery. Its log row (outcome, paywit's error code for a refusal) is
            committed with the event, before the answer; the time taken is added after it."""
            def log(outcome: str, code: Optional[str] = None) -> int:
                return store.one("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?) RETURNING id",
                                 (now(), SCHEME, outcome, code))[0]

            try:
                verified = verifier.verify(self.headers.items(), raw)
            except paywit.webhooks.VerifyError as error:
                logged = log("refused", error.code)
                self._answer(401, {"error": "unauthorized"})
            else:
                event_id = verified.message_id or event_id_of(raw)
                with store.transaction():  # committed before the answer
                    # Kept as text; a verified body that is not UTF-8 is kept as the Node receiver
                    # keeps it (replacement characters): recorded, then marked failed by the worker.
                    new = store.record_event(event_id, raw.decode("utf-8", "replace"))
                    logged = log("recorded" if new else "duplicate")
                if pause_before_answer and new:
                    # The chaos test's hook: recorded, 200 not sent yet (it kills the receiver here).
                    print(f"receiver: recorded {event_id}, pausing before the answer", flush=True)
                    time.sleep(pause_before_answer)
                self._answer(200, {"received": event_id, "duplicate": not new})
            store.execute("UPDATE deliveries SET ms = ? WHERE id = ?", ((time.perf_counter() - started) * 1000, logged))

        def log_message(self, *args) -> None:  # quiet: the demo prints tables
            pass

    return Handler


def event_id_of(raw: bytes) -> str:
    """A verified event's id from its body (schemes whose headers carry none); Refused (400) if absent."""
    try:
        event_id = json.loads(raw)["id"]
    except (ValueError, KeyError, TypeError):
        raise Refused(400, "the event has no id") from None
    if not isinstance(event_id, str) or not event_id:
        raise Refused(400, "the event has no id")
    return event_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="receiver.sqlite", help="a SQLite file, or a postgresql:// URL")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret", action="append", required=True, help="webhook secret (repeat for rotation)")
    parser.add_argument("--pause-before-answer", type=float, default=0.0,
                        help="chaos test hook: sleep after recording a new event, before answering 200")
    parser.add_argument("--request-deadline", type=float, default=REQUEST_DEADLINE_SECONDS,
                        help="seconds a request's headers and body may take to arrive (then the connection is closed)")
    args = parser.parse_args()
    Store(args.db).close()
    verifier = paywit.Verifier(SCHEME, args.secret)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.db, verifier, args.pause_before_answer,
                                                                             args.request_deadline))
    print(f"receiver: listening on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
