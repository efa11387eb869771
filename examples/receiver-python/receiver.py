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
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

import paywit
from store import Store, now

SCHEME = "standard-webhooks"  # the sandbox gateway's; the deliveries log keeps it per row


def make_handler(db: str, verifier: paywit.Verifier, pause_before_answer: float = 0.0) -> type:
    pool: "queue.SimpleQueue[Store]" = queue.SimpleQueue()  # store connections, reused across requests

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            started = time.perf_counter()
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                store = pool.get_nowait()
            except queue.Empty:
                store = Store(db)
            try:
                if self.path == "/webhooks":
                    self._webhook(store, raw, started)
                elif self.path == "/orders":
                    order = json.loads(raw)
                    key = paywit.new_idempotency_key()  # persisted with the order, before any call
                    row = store.one("INSERT INTO orders (idempotency_key, amount, card) VALUES (?, ?, ?) RETURNING id",
                                    (key, int(order["amount"]), str(order["card"])))
                    self._answer(202, {"order": row[0], "idempotency_key": key})
                else:
                    self._answer(404, {"error": "not found"})
            except Exception:
                store.close()  # a connection that failed is not reused
                raise
            pool.put(store)

        def _webhook(self, store: Store, raw: bytes, started: float) -> None:
            """Answers one delivery. Its log row (outcome, paywit's error code for a refusal) is
            committed with the event, before the answer; the time taken is added after it."""
            def log(outcome: str, code: Optional[str] = None) -> int:
                return store.one("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?) RETURNING id",
                                 (now(), SCHEME, outcome, code))[0]

            try:
                verified = verifier.verify(self.headers.items(), raw)
            except paywit.WebhookVerificationError as error:
                logged = log("refused", error.code)
                self._answer(401, {"error": "unauthorized"})
            else:
                event_id = verified.message_id or json.loads(raw)["id"]
                with store.transaction():  # committed before the answer
                    new = store.record_event(event_id, raw.decode())
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="receiver.sqlite", help="a SQLite file, or a postgresql:// URL")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret", action="append", required=True, help="webhook secret (repeat for rotation)")
    parser.add_argument("--pause-before-answer", type=float, default=0.0,
                        help="chaos test hook: sleep after recording a new event, before answering 200")
    args = parser.parse_args()
    Store(args.db).close()
    verifier = paywit.Verifier(SCHEME, args.secret)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.db, verifier, args.pause_before_answer))
    print(f"receiver: listening on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
