"""A webhook receiver that follows the integration guide, as an ASGI app on uvicorn: paywit's ASGI
middleware reads the raw body (capped) and verifies it (401); the app records the event id before
processing (a duplicate gets 200 and is not processed again), persists and answers 200 at once; a
separate worker process (worker.py) does the rest. It also takes orders: each gets its idempotency
key, persisted with the order before any call to the gateway, which the worker makes.

Writes go through one writer thread that commits concurrent requests' writes together
(recorder.py, group commit); each request is answered only after its own write is committed.

    python receiver.py --db receiver.sqlite --port 8001 --secret whsec_...
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import traceback
from typing import Any, Optional, Tuple

import uvicorn

import paywit
from paywit.asgi import Receive, Scope, Send, WebhookMiddleware
from recorder import Recorder
from store import Store, now

SCHEME = "standard-webhooks"  # the sandbox gateway's; the deliveries log keeps it per row
# The most body a request may have: paywit's verify limit (paywit::limits::MAX_BODY_BYTES, the
# "body-bytes" of paywit's abi.json), as verify would refuse a larger one anyway. A larger
# Content-Length is answered 413 before any of the body is read; a chunked body is not read past it.
MAX_BODY_BYTES = 16 * 1024 * 1024
# A request's body must have arrived this long after its headers, however slowly it trickles in;
# then it is answered 408 and the connection closed.
REQUEST_DEADLINE_SECONDS = 30.0
# An idle keep-alive connection is closed after this long.
KEEP_ALIVE_SECONDS = 30
# An order's amount: a positive integer, at most 2^53 - 1 (the same numbers in JSON everywhere).
MAX_AMOUNT = 2**53 - 1


class Refused(Exception):
    """A request answered with an error status, instead of doing anything."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


class DeadlinePassed(Exception):
    """The request's body did not arrive in time."""


def parse_order(raw: bytes) -> Tuple[int, str]:
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


def event_id_of(raw: bytes) -> str:
    """A verified event's id from its body (schemes whose headers carry none); Refused (400) if absent."""
    try:
        event_id = json.loads(raw)["id"]
    except (ValueError, KeyError, TypeError):
        raise Refused(400, "the event has no id") from None
    if not isinstance(event_id, str) or not event_id:
        raise Refused(400, "the event has no id")
    return event_id


async def answer(send: Send, status: int, body: dict, close: bool = False) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if close:  # the rest of the request is not read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def read_body(scope: Scope, receive: Receive) -> bytes:
    """The whole body (the server has checked its framing), never more than MAX_BODY_BYTES of it:
    a larger Content-Length is refused before any of it is read."""
    for name, value in scope["headers"]:
        if name == b"content-length" and int(value) > MAX_BODY_BYTES:
            raise Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


class Receiver:
    """The app behind paywit's middleware: /webhooks (a verified delivery in the scope's state) and
    /orders. A fault of the request's is its 4xx; anything else raised is logged and answered 500,
    and the server goes on (no request stops the receiver)."""

    def __init__(self, recorder: Recorder, pause_before_answer: float = 0.0) -> None:
        self.recorder = recorder
        self.pause_before_answer = pause_before_answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        answered = False

        async def send_once(message: Any) -> None:
            nonlocal answered
            answered = True
            await send(message)
        try:
            if scope["method"] == "POST" and scope["path"] == "/webhooks":
                await self.webhook(scope, send_once, started)
            elif scope["method"] == "POST" and scope["path"] == "/orders":
                amount, card = parse_order(await read_body(scope, receive))
                key = paywit.new_key()  # persisted with the order, before any call
                order = await self.recorder.write(lambda store: store.one(
                    "INSERT INTO orders (idempotency_key, amount, card) VALUES (?, ?, ?) RETURNING id", (key, amount, card))[0])
                await answer(send_once, 202, {"order": order, "idempotency_key": key})
            else:
                await answer(send_once, 404, {"error": "not found"})
        except Refused as refused:
            if not answered:
                await answer(send_once, refused.status, {"error": refused.error}, close=refused.status == 413)
        except DeadlinePassed:
            if not answered:
                await answer(send_once, 408, {"error": "the body did not arrive in time"}, close=True)
        except ConnectionError:  # the client went away
            pass
        except Exception:
            print(f"receiver: {scope['method']} {scope['path']} failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            if not answered:
                await answer(send_once, 500, {"error": "internal error"}, close=True)

    async def webhook(self, scope: Scope, send: Send, started: float) -> None:
        """Answers one verified delivery: the event and its log row are committed before the
        answer; the time taken is added after it."""
        delivery: paywit.Delivery = scope["state"][paywit.asgi.STATE_KEY]
        event_id = delivery.message_id or event_id_of(delivery.body)
        # Kept as text; a verified body that is not UTF-8 is kept as the Node receiver keeps it
        # (replacement characters): recorded, then marked failed by the worker.
        body = delivery.body.decode("utf-8", "replace")

        new, logged = await self.recorder.write(lambda store: store.record_delivery(event_id, body, SCHEME))
        if self.pause_before_answer and new:
            # The chaos test's hook: recorded, 200 not sent yet (it kills the receiver here).
            print(f"receiver: recorded {event_id}, pausing before the answer", flush=True)
            await asyncio.sleep(self.pause_before_answer)
        await answer(send, 200, {"received": event_id, "duplicate": not new})
        self.time_taken(logged, started)

    def time_taken(self, logged: int, started: float) -> None:
        self.recorder.time_taken(logged, (time.perf_counter() - started) * 1000)

    async def refused(self, scope: Scope, error: Exception) -> None:
        """paywit's middleware refused a delivery: its log row (paywit's error code) is committed
        before the 401 goes out. A body over the cap was refused on its size, before verification:
        no row."""
        if isinstance(error, paywit.webhooks.VerifyError) and not isinstance(error, paywit.webhooks.VerifyLimitExceededError):
            code = error.code
            await self.recorder.write(lambda store: log(store, "refused", code))


def log(store: Store, outcome: str, code: Optional[str] = None) -> int:
    return store.one("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?) RETURNING id",
                     (now(), SCHEME, outcome, code))[0]


class RequestDeadline:
    """Outermost: a request's body must arrive within `seconds` of its headers, or the request is
    answered 408 and its connection closed (the server's timeouts bound idle connections only)."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done = False

        async def bounded() -> Any:
            nonlocal body_done
            if body_done:  # after the body: only a disconnect is left, unbounded
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise DeadlinePassed() from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message
        try:
            await self.app(scope, bounded, send)
        except DeadlinePassed:  # raised inside paywit's middleware, before anything was sent
            await answer(send, 408, {"error": "the body did not arrive in time"}, close=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="receiver.sqlite", help="a SQLite file, or a postgresql:// URL")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret", action="append", help="webhook secret (repeat for rotation); "
                        "default: PAYWIT_WEBHOOK_SECRET, space-separated")
    parser.add_argument("--pause-before-answer", type=float, default=0.0,
                        help="chaos test hook: sleep after recording a new event, before answering 200")
    parser.add_argument("--request-deadline", type=float, default=REQUEST_DEADLINE_SECONDS,
                        help="seconds a request's body may take to arrive (then 408 and the connection is closed)")
    args = parser.parse_args()
    secrets = args.secret or os.environ.get("PAYWIT_WEBHOOK_SECRET", "").split()
    if not secrets:
        parser.error("a webhook secret is needed: --secret or PAYWIT_WEBHOOK_SECRET")
    Store(args.db).close()  # the schema, before the first request
    receiver = Receiver(Recorder(args.db), args.pause_before_answer)
    verified = WebhookMiddleware(receiver, paywit.Verifier(SCHEME, secrets), path="/webhooks",
                                 max_body=MAX_BODY_BYTES, on_error=receiver.refused)
    app = RequestDeadline(verified, args.request_deadline)
    print(f"receiver: listening on http://127.0.0.1:{args.port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, http="httptools", loop="uvloop", lifespan="off",
                access_log=False, log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS)


if __name__ == "__main__":
    main()
