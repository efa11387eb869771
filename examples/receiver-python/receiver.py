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
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import paywit
from store import connect, now


def make_handler(db: str, verifier: paywit.Verifier) -> type:
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
            store = connect(db)
            try:
                if self.path == "/webhooks":
                    self._webhook(store, raw)
                    # After the answer: how long the gateway waited for its 200 (or 401).
                    store.execute("INSERT INTO acks (ms) VALUES (?)", ((time.perf_counter() - started) * 1000,))
                elif self.path == "/orders":
                    order = json.loads(raw)
                    key = paywit.new_idempotency_key()  # persisted with the order, before any call
                    cursor = store.execute("INSERT INTO orders (idempotency_key, amount, card) VALUES (?, ?, ?)",
                                           (key, int(order["amount"]), str(order["card"])))
                    self._answer(202, {"order": cursor.lastrowid, "idempotency_key": key})
                else:
                    self._answer(404, {"error": "not found"})
            finally:
                store.close()

        def _webhook(self, store, raw: bytes) -> None:
            try:
                verified = verifier.verify(self.headers.items(), raw)
            except paywit.WebhookVerificationError as error:
                store.execute("INSERT INTO refusals (at, code) VALUES (?, ?)", (now(), error.code))
                self._answer(401, {"error": "unauthorized"})
                return
            event_id = verified.message_id or json.loads(raw)["id"]
            inserted = store.execute("INSERT OR IGNORE INTO inbox (event_id, body, received_at) VALUES (?, ?, ?)",
                                     (event_id, raw.decode(), now())).rowcount
            self._answer(200, {"received": event_id, "duplicate": inserted == 0})

        def log_message(self, *args) -> None:  # quiet: the demo prints tables
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="receiver.sqlite")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret", action="append", required=True, help="webhook secret (repeat for rotation)")
    args = parser.parse_args()
    connect(args.db).close()
    verifier = paywit.Verifier("standard-webhooks", args.secret)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.db, verifier))
    print(f"receiver: listening on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
