"""The reference receivers (Python, Node, Go) and their workers against hostile or broken input, each
started as a real process (harness.System) with a stand-in gateway in this process:

- a receiver reads no more than paywit's verify limit (abi.json "limits"."body-bytes", 16 MiB) of a
  body: a larger Content-Length is a 413 before any of it is read, a chunked body is cut off past
  it (413), a negative or non-numeric Content-Length is a 400, bad JSON or bad order fields are a 400, and an unexpected error in a
  handler is a 500 (logged): no request stops a receiver;
- a poison event (one whose processing raises, whatever it raises) is marked failed and the worker
  goes on with the events behind it;
- the Python worker makes no gateway call while it holds SQLite's write lock (the receiver's
  inserts would wait for it);
- a processing failure is not recorded on an event another worker processed meanwhile;
- two workers never send one order's charge at once (each claims the order first, a lease).
"""
from __future__ import annotations

import http.client
import json
import re
import secrets
import signal
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pytest

import paywit

from harness import RECEIVERS, SECRET, System, postgres_url, until

# paywit's verify limit for a body, the receivers' cap (their MAX_BODY_BYTES documents it).
MAX_BODY = json.loads(Path(paywit.__file__).with_name("abi.json").read_text())["limits"]["body-bytes"]


class Gateway:
    """A stand-in for the gateway's API: `routes` maps (method, path regex) to a function of the
    request's headers returning (delay in seconds, status, JSON body); every request is logged."""

    def __init__(self, routes: Dict[Tuple[str, str], Callable[[dict], Tuple[float, int, dict]]]) -> None:
        self.log: List[Tuple[str, str, Optional[str], float, float]] = []  # method, path, idempotency key, start, end
        self.lock = threading.Lock()
        self.arrived = threading.Event()  # set when any routed request arrives
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                started = time.time()
                self.rfile.read(int(self.headers.get("content-length") or 0))
                for (method, pattern), answer in routes.items():
                    if method == self.command and re.fullmatch(pattern, self.path):
                        gateway.arrived.set()
                        delay, status, body = answer(self.headers)
                        break
                else:
                    delay, status, body = 0.0, 404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
                time.sleep(delay)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with gateway.lock:
                    gateway.log.append((self.command, self.path, self.headers.get("idempotency-key"), started, time.time()))

            do_GET = do_POST = _serve

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def payout_route(delay: float = 0.0, status: int = 200) -> Callable[[dict], Tuple[float, int, dict]]:
    """GET /v1/payouts/<id>: a paid payout with no items (it reconciles exactly)."""
    body = {"id": "po_hard", "object": "payout", "status": "paid", "amount": 0, "items": []} if status == 200 else \
        {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
    return lambda headers: (delay, status, body)


@pytest.fixture
def start(tmp_path):
    """start(receiver, gateway routes, database="sqlite") -> (System with its receiver running, Gateway)."""
    with ExitStack() as stack:
        def starter(receiver: str, routes: Optional[dict] = None, database: str = "sqlite") -> Tuple[System, Gateway]:
            gateway = Gateway(routes or {})
            stack.callback(gateway.close)
            db = tmp_path / "receiver.sqlite" if database == "sqlite" else postgres_url(stack)
            system = System(db, receiver).start_without_gateway(gateway.url)
            stack.callback(system.stop)
            return system, gateway
        yield starter


def exchange(port: int, request: bytes, timeout: float = 5.0) -> Tuple[int, bytes, float]:
    """Sends raw bytes, returns the answer's (status, body, seconds it took)."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        response = http.client.HTTPResponse(s)
        response.begin()
        return response.status, response.read(), time.perf_counter() - started


def post(url: str, body: bytes, headers: Optional[dict] = None, timeout: float = 5.0) -> Tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def deliver(system: System, event_id: str, body: str) -> Tuple[int, bytes]:
    """One delivery signed with the receiver's secret (Standard Webhooks, as the gateway signs)."""
    headers = paywit.sign_webhook("standard-webhooks", SECRET, body, id=event_id)
    return post(f"{system.receiver_url}/webhooks", body.encode(), headers)


def good_event(event_id: str, object_id: str) -> str:
    return json.dumps({"id": event_id, "type": "payment_intent.succeeded", "created": int(time.time()),
                       "data": {"object": {"id": object_id, "object": "payment_intent", "status": "succeeded"}}})


def alive(system: System) -> bool:
    return all(process.poll() is None for process in system.receiver_processes)


def output(process) -> str:
    """What a process printed (it is killed first)."""
    process.kill()
    process.wait()
    return process.stdout.read()


def wait_for_line(process, text: str, seconds: float = 20.0) -> None:
    """Reads the process's output until a line contains `text` (fails after `seconds`)."""
    found = threading.Event()

    def read() -> None:
        for line in process.stdout:
            if text in line:
                found.set()
                return
    threading.Thread(target=read, daemon=True).start()
    assert found.wait(seconds), f"{process.args} never printed {text!r}"


def head(path: str, *headers: str) -> bytes:
    return ("\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *headers]) + "\r\n\r\n").encode()


# Defect 3: the body is capped before it is verified, and no request stops a receiver.

@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_a_body_over_the_cap_is_refused_at_once_and_the_receiver_goes_on(start, receiver):
    system, _ = start(receiver)
    port = system.receiver_ports[0]
    # A forged 400 MiB delivery: the headers and its first 64 KiB are sent, the rest never is.
    status, _, seconds = exchange(port, head("/webhooks", f"Content-Length: {400 << 20}",
                                             "webhook-id: msg_big", "content-type: application/json") + b"x" * 65536)
    assert (status, seconds < 2) == (413, True)
    # Just over the cap, nothing of the body sent: refused on the length alone.
    status, _, _ = exchange(port, head("/webhooks", f"Content-Length: {MAX_BODY + 1}"))
    assert status == 413
    assert alive(system)
    assert deliver(system, "evt_after_big", good_event("evt_after_big", "pi_after_big"))[0] == 200
    with system.store() as store:
        assert store.one("SELECT COUNT(*) FROM inbox WHERE event_id = 'evt_after_big'") == (1,)


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_the_cap_is_paywits_verify_limit(start, receiver):
    """A forged body of exactly the limit is read and verified (401); the cap is not lower than what
    paywit would verify, and one byte more is refused on its length (the test above)."""
    system, _ = start(receiver)
    status, _ = post(f"{system.receiver_url}/webhooks", b"x" * MAX_BODY, {"content-type": "application/json"}, timeout=60)
    assert status == 401


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_a_chunked_body_is_not_read_past_the_cap(start, receiver):
    """No Content-Length, chunked: every receiver stops reading past the cap (413; paywit's adapters
    in Python and Node, Go's MaxBytesReader), and the connection is cut long before the sender's 4x
    the cap are read."""
    system, _ = start(receiver)
    offered = 4 * MAX_BODY
    sent = 0
    chunk = b"x" * (1 << 20)
    s = socket.create_connection(("127.0.0.1", system.receiver_ports[0]), timeout=20)
    cut_off: List[BaseException] = []

    def send() -> None:
        nonlocal sent
        try:
            s.sendall(head("/webhooks", "Transfer-Encoding: chunked", "content-type: application/json"))
            while sent < offered:
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
            s.sendall(b"0\r\n\r\n")
        except OSError as error:  # the receiver closed the connection
            cut_off.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        response = http.client.HTTPResponse(s)
        response.begin()
        status = response.status
    finally:
        sender.join(30)
        s.close()
    assert status == 413
    assert cut_off and sent < offered, f"the receiver read the whole {sent >> 20} MiB"
    assert alive(system)
    assert deliver(system, "evt_after_chunked", good_event("evt_after_chunked", "pi_after_chunked"))[0] == 200


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
@pytest.mark.parametrize("length, wanted", [("-1", 400), ("12abc", 400), ("+5", 400), ("5, 5", 400), (None, 401)])
def test_a_bad_or_missing_content_length_is_refused(start, receiver, length, wanted):
    """A negative or non-numeric length is a 400 (the HTTP servers' parsers: uvicorn's httptools,
    node:http, net/http). A request with neither a length nor chunked coding has an empty body, so
    it is refused by verification (401)."""
    system, _ = start(receiver)
    headers = ["content-type: application/json"] + ([f"Content-Length: {length}"] if length is not None else [])
    # Without a length no body is sent (node:http would take any byte after the head as the next request).
    status, _, _ = exchange(system.receiver_ports[0], head("/webhooks", *headers) + (b'{"id": "evt_x"}' if length else b""))
    assert status == wanted
    assert alive(system)
    assert deliver(system, "evt_after_length", good_event("evt_after_length", "pi_after_length"))[0] == 200


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_bad_json_or_bad_order_fields_are_a_400_and_the_receiver_goes_on(start, receiver):
    system, _ = start(receiver)
    for body in [b"{x}", b"", b"\xff\xfe", b"[]", b"null", b'{"amount": 100}', b'{"card": "4242424242424242"}',
                 b'{"amount": "ten", "card": "4242424242424242"}', b'{"amount": 10.5, "card": "4242424242424242"}',
                 b'{"amount": -5, "card": "4242424242424242"}', b'{"amount": true, "card": "4242424242424242"}',
                 b'{"amount": 1e30, "card": "4242424242424242"}', b'{"amount": 100000000000000000000000, "card": "4242"}',
                 b'{"amount": 100, "card": 4242424242424242}', b'{"amount": 100, "card": ""}',
                 b"[" * 100_000 + b"]" * 100_000]:
        status, answer = post(f"{system.receiver_url}/orders", body)
        assert (body, status) == (body, 400), answer
        assert alive(system), f"{body!r} stopped the receiver"
    status, answer = post(f"{system.receiver_url}/orders", b'{"amount": 1200, "card": "4242424242424242"}')
    assert status == 202 and json.loads(answer)["idempotency_key"]
    with system.store() as store:
        assert store.all("SELECT amount, card, status FROM orders") == [(1200, "4242424242424242", "pending")]


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_an_unexpected_error_in_a_handler_is_a_logged_500_and_the_receiver_goes_on(start, receiver):
    """The store breaks under a running receiver (its orders table dropped): the order is answered
    500 and the error logged, the process goes on and still records deliveries."""
    system, _ = start(receiver)
    assert post(f"{system.receiver_url}/orders", b'{"amount": 1000, "card": "4242424242424242"}')[0] == 202
    with sqlite3.connect(system.db) as db:
        db.execute("DROP TABLE orders")
    status, answer = post(f"{system.receiver_url}/orders", b'{"amount": 1001, "card": "4242424242424242"}')
    assert (status, json.loads(answer)) == (500, {"error": "internal error"})
    assert alive(system)
    assert deliver(system, "evt_after_500", good_event("evt_after_500", "pi_after_500"))[0] == 200
    assert "no such table: orders" in output(system.receiver_processes[0]), "the error is logged"


# Defect 6: a poison event is marked failed and the worker goes on.

POISONS = {
    # Python's int(1e30) is fine, SQLite's INTEGER is not (OverflowError), nor PostgreSQL's BIGINT.
    "evt_poison_huge_created": {"type": "payment_intent.succeeded", "created": 1e30,
                                "data": {"object": {"id": "pi_poison_1", "object": "payment_intent", "status": "succeeded"}}},
    # Node's Math.trunc("yesterday") is NaN, bound as NULL into a NOT NULL column.
    "evt_poison_text_created": {"type": "payment_intent.succeeded", "created": "yesterday",
                                "data": {"object": {"id": "pi_poison_2", "object": "payment_intent", "status": "succeeded"}}},
    # No exception the worker expects: an AttributeError (Python), an object bound as an id.
    "evt_poison_list_object": {"type": "payment_intent.succeeded", "created": 1764158400, "data": {"object": []}},
    "evt_poison_object_id": {"type": "payment_intent.succeeded", "created": 1764158400,
                             "data": {"object": {"id": {"nested": 1}, "object": "payment_intent", "status": "succeeded"}}},
    "evt_poison_no_type": {"created": 1764158400, "data": {"object": {"id": "pi_poison_5", "object": "payment_intent",
                                                                       "status": "succeeded"}}},
    "evt_poison_status_number": {"type": "payment_intent.succeeded", "created": 1764158400,
                                 "data": {"object": {"id": "pi_poison_6", "object": "payment_intent", "status": 7}}},
}


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_a_poison_event_is_marked_failed_and_the_worker_goes_on(start, receiver):
    system, _ = start(receiver)
    for event_id, event in POISONS.items():  # ahead of the good ones: the oldest due events
        assert deliver(system, event_id, json.dumps({"id": event_id, **event}))[0] == 200
    assert deliver(system, "evt_poison_not_json", "{not json")[0] == 200
    # Well-formed events that the store makes raise: an object row in no known state, and a trigger
    # that aborts any insert of one object (nothing a worker can foresee, e.g. the database's own errors).
    with sqlite3.connect(system.db) as db:
        db.execute("INSERT INTO objects VALUES ('pi_poison_corrupt', 'payment', 'no-such-status', 0, 0)")
        db.execute("CREATE TRIGGER poison BEFORE INSERT ON objects WHEN NEW.id = 'pi_poison_trigger' "
                   "BEGIN SELECT RAISE(ABORT, 'poisoned by a trigger'); END")
    for event_id, object_id in [("evt_poison_corrupt", "pi_poison_corrupt"), ("evt_poison_trigger", "pi_poison_trigger")]:
        assert deliver(system, event_id, good_event(event_id, object_id))[0] == 200
    good = [f"evt_good_{i}" for i in range(3)]
    for i, event_id in enumerate(good):
        assert deliver(system, event_id, good_event(event_id, f"pi_good_{i}"))[0] == 200
    worker = system.worker()
    poisons = sorted([*POISONS, "evt_poison_not_json", "evt_poison_corrupt", "evt_poison_trigger"])
    with system.store() as store:
        def settled() -> bool:
            processed = store.one("SELECT COUNT(*) FROM inbox WHERE event_id LIKE 'evt_good_%' AND processed_at IS NOT NULL")[0]
            failed = store.one("SELECT COUNT(*) FROM inbox WHERE event_id LIKE 'evt_poison_%' AND failed_at IS NOT NULL")[0]
            return (processed, failed) == (len(good), len(poisons)) or worker.poll() is not None
        until(settled, 30)
        assert worker.poll() is None, f"the worker died: {output(worker)}"
        assert store.all("SELECT id, status, events_applied FROM objects WHERE id LIKE 'pi_good_%' ORDER BY id") == \
            [(f"pi_good_{i}", "succeeded", 1) for i in range(3)]
        failed = store.all("SELECT event_id, processed_at, error FROM inbox WHERE failed_at IS NOT NULL ORDER BY event_id")
        assert [row[0] for row in failed] == poisons, "every poison event is marked failed"
        assert all(processed is None and re.fullmatch(r"malformed-event|processing-error \(\w+\)", error)
                   for _, processed, error in failed), failed
        assert re.fullmatch(r"processing-error \(\w+\)", dict((e, error) for e, _, error in failed)["evt_poison_trigger"])
        # The attempts log (the dashboard's failures) has each one given up, once.
        assert store.all("SELECT event_id, outcome FROM attempts WHERE event_id LIKE 'evt_poison_%' ORDER BY event_id") == \
            [(event_id, "failed") for event_id in poisons]
        # Nothing of a poison event stays half-applied.
        assert store.one("SELECT COUNT(*) FROM objects WHERE id LIKE 'pi_poison_%' AND events_applied > 0") == (0,)
    time.sleep(0.5)
    assert worker.poll() is None, "the worker goes on"


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_an_event_past_a_postgres_limit_is_its_own_failure_not_the_stores(start, receiver):
    """PostgreSQL refuses an index row over 8 kB (SQLSTATE 54, a program limit): an event whose
    object id is 10 kB of random text can never be stored. Taken for the store's trouble, it was
    retried forever ahead of every event behind it; it is that event's failure."""
    system, _ = start(receiver, database="postgres")
    huge = secrets.token_hex(5000)  # 10 kB that does not compress
    assert deliver(system, "evt_poison_limit", good_event("evt_poison_limit", huge))[0] == 200
    assert deliver(system, "evt_after_limit", good_event("evt_after_limit", "pi_after_limit"))[0] == 200
    worker = system.worker()
    with system.store() as store:
        def settled() -> bool:
            return store.one("SELECT COUNT(*) FROM inbox WHERE event_id = 'evt_after_limit' AND processed_at IS NOT NULL")[0] == 1
        assert until(settled, 30), f"the event behind it was never processed: {output(worker)[-2000:]}"
        failed = store.one("SELECT failed_at IS NOT NULL, error FROM inbox WHERE event_id = 'evt_poison_limit'")
        assert failed[0] and re.fullmatch(r"processing-error \(\w+\)", failed[1]), failed
    assert worker.poll() is None, "the worker goes on"


# Suspected (a): a gateway call inside SQLite's write lock.

@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_the_worker_holds_no_write_lock_while_it_calls_the_gateway(start, receiver):
    """A paid payout's items are fetched from the gateway, whose answer is held until the receiver
    has recorded another delivery: it can only be recorded meanwhile if the worker does not hold
    SQLite's write lock during the call. The answer is released by the test, or after 1.8 s (under
    the worker's 2 s timeout) if the delivery never came: no wall-clock limit decides."""
    release = threading.Event()
    released: List[bool] = []

    def held_payout(headers: dict) -> Tuple[float, int, dict]:
        released.append(release.wait(1.8))
        return payout_route()(headers)

    system, gateway = start(receiver, {("GET", r"/v1/payouts/po_hard"): held_payout})
    payout = {"id": "evt_payout_slow", "type": "payout.paid", "created": int(time.time()),
              "data": {"object": {"id": "po_hard", "object": "payout", "status": "paid"}}}
    assert deliver(system, payout["id"], json.dumps(payout))[0] == 200
    system.worker()
    assert gateway.arrived.wait(20), "the worker fetches the payout"
    assert deliver(system, "evt_during_fetch", good_event("evt_during_fetch", "pi_during_fetch"))[0] == 200
    release.set()
    assert until(lambda: bool(released), 5)
    assert released[0], "the delivery was recorded only after the worker's call ended: it waited for the worker's lock"
    with system.store() as store:
        assert until(lambda: store.one("SELECT COUNT(*) FROM inbox WHERE processed_at IS NOT NULL")[0] == 2, 20)
        assert store.one("SELECT match FROM payouts WHERE id = 'po_hard'") == ("exact",)


# Suspected (b): a failure recorded on an event another worker processed meanwhile.

@pytest.mark.parametrize("setup", ["python-sqlite", "python-postgres", "node-sqlite", "node-postgres", "go-sqlite", "go-postgres"])
def test_a_failure_is_not_recorded_on_an_event_another_worker_processed(start, setup):
    """Worker A's payout fetch fails (its gateway answers 404: not retryable, so it gives up) and it
    pauses before recording that; meanwhile the gateway redelivers the event (at least once: it
    requeues it, A's lease on it included) and worker B (a working gateway) processes it. A's
    failure must not be written over B's success."""
    receiver, database = setup.split("-")
    system, _ = start(receiver, database=database)
    working = Gateway({("GET", r"/v1/payouts/po_hard"): payout_route()})
    try:
        payout = {"id": "evt_payout_race", "type": "payout.paid", "created": int(time.time()),
                  "data": {"object": {"id": "po_hard", "object": "payout", "status": "paid"}}}
        assert deliver(system, payout["id"], json.dumps(payout))[0] == 200
        a = system.worker("--pause-before-recording-failure", "3")  # its gateway: the stand-in, 404 on everything
        wait_for_line(a, "paused before recording the failure")
        a.send_signal(signal.SIGSTOP)  # A stays paused however long B takes on a loaded machine
        with system.store() as store:  # stopped in its pause, before recording: else the race is not tested
            assert store.one("SELECT failed_at, attempts FROM inbox WHERE event_id = 'evt_payout_race'") == (None, 0)
        assert deliver(system, payout["id"], json.dumps(payout)) == (200, b'{"received": "evt_payout_race", "duplicate": true}'
                                                                     if receiver == "python" else
                                                                     b'{"received":"evt_payout_race","duplicate":true}')
        b = system.spawn(*RECEIVERS[receiver][2], "--db", str(system.db), "--gateway", working.url)
        with system.store() as store:
            assert until(lambda: store.one("SELECT processed_at FROM inbox WHERE event_id = 'evt_payout_race'")[0] is not None, 20)
            b.kill()
            a.send_signal(signal.SIGCONT)
            time.sleep(3 + 1.5)  # A resumes and records what it has to
            assert a.poll() is None
            row = store.one("SELECT processed_at IS NOT NULL, failed_at, error, attempts FROM inbox WHERE event_id = 'evt_payout_race'")
            assert row == (True, None, None, 0), "processed by B, and no failure recorded over it"
            assert store.one("SELECT match FROM payouts WHERE id = 'po_hard'") == ("exact",)
    finally:
        working.close()


# Suspected (c): two workers sending one order's charge at once.

@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_two_workers_never_send_one_orders_charge_at_once(start, receiver):
    def charge(headers: dict) -> Tuple[float, int, dict]:
        return 0.3, 200, {"id": f"pi_{headers.get('idempotency-key')[:12]}", "object": "payment_intent", "status": "succeeded"}
    system, gateway = start(receiver, {("POST", r"/v1/payment_intents"): charge})
    for i in range(6):
        assert post(f"{system.receiver_url}/orders", json.dumps({"amount": 1000 + i, "card": "4242424242424242"}).encode())[0] == 202
    workers = [system.worker(), system.worker()]
    with system.store() as store:
        assert until(lambda: store.one("SELECT COUNT(*) FROM orders WHERE status = 'charged'")[0] == 6, 30)
        keys = [row[0] for row in store.all("SELECT idempotency_key FROM orders")]
    assert all(worker.poll() is None for worker in workers)
    sent = Counter(key for method, path, key, _, _ in gateway.log if method == "POST")
    assert sent == Counter(keys), "each order's charge sent once, by one worker"


@pytest.mark.parametrize("receiver", ["python", "node", "go"])
def test_a_worker_whose_call_outlived_its_lease_does_not_overwrite_the_outcome(start, receiver):
    """Worker A is stopped mid-call past its lease; worker B takes the order and charges it (same
    key); when A resumes, its late failure must not turn the charged order into 'failed'."""
    calls = []

    def charge(headers: dict) -> Tuple[float, int, dict]:
        calls.append(headers.get("idempotency-key"))
        if len(calls) == 1:
            return 1.0, 503, {"error": {"type": "api_error"}}
        return 0.0, 200, {"id": "pi_fenced", "object": "payment_intent", "status": "succeeded"}
    system, gateway = start(receiver, {("POST", r"/v1/payment_intents"): charge})
    assert post(f"{system.receiver_url}/orders", json.dumps({"amount": 1000, "card": "4242424242424242"}).encode())[0] == 202
    with system.store() as store:
        store.execute("UPDATE orders SET attempts = 6")  # A's failure would be the last attempt: 'failed' sticks
        first = system.worker()
        assert gateway.arrived.wait(20), "worker A called the gateway"
        first.send_signal(signal.SIGSTOP)
        try:
            second = system.worker()
            assert until(lambda: store.one("SELECT status FROM orders")[0] == "charged", 30), "B charged after A's lease"
        finally:
            first.send_signal(signal.SIGCONT)
        time.sleep(4)  # A's call times out and it tries to record the failure
        assert store.one("SELECT status, payment_intent FROM orders") == ("charged", "pi_fenced")
    assert first.poll() is None and second.poll() is None
    assert len(set(calls)) == 1, "one idempotency key for both calls"


@pytest.mark.parametrize("receiver", ["python", "go"])
def test_a_request_trickled_in_byte_by_byte_is_cut_off_at_its_deadline(start, receiver):
    """The socket timeout bounds each read only: a body sent a byte at a time, each well inside it,
    must still not hold a connection past the request's deadline (Python's receiver: its
    RequestDeadline, as uvicorn bounds idle connections only; Go's: the server's ReadTimeout;
    node:http has its own requestTimeout)."""
    system, _ = start(receiver)
    system.stop_receivers()
    system.start_receivers("--request-deadline", "2")
    port = int(system.receiver_url.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        closed = False
        while time.monotonic() - started < 10 and not closed:
            try:
                client.sendall(b" ")
                client.settimeout(0.5)
                closed = client.recv(4096) == b""
            except socket.timeout:
                continue
            except OSError:
                closed = True
    assert closed and time.monotonic() - started < 6, "the trickling request was cut off at its deadline"
    assert post(f"{system.receiver_url}/orders", b'{"amount": 1200, "card": "4242424242424242"}')[0] == 202
