"""Runs the whole reference integration on loopback: the sandbox gateway
(every misbehaviour on), one receiver (examples/reference-integration/receiver-python,
examples/reference-integration/receiver-node or examples/reference-integration/receiver-go) and its worker, then a day of
traffic; used by the demo (demo.py, `cargo xtask demo`) and the tests
(test_day_of_traffic.py). The Go receiver's two programs are built (`go build`,
which leaves binaries that are up to date alone) into target/receiver-go/ the
first time a test or the demo starts it."""
from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Tuple

import paywit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "receiver-python"))
from store import Store  # noqa: E402  (the receivers' store: SQLite or PostgreSQL)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
GATEWAY = Path(os.environ.get("PAYWIT_SANDBOX_GATEWAY", ROOT / "target" / "debug" / "paywit-sandbox-gateway"))
# The PostgreSQL server the tests use: `cargo xtask test` starts a throwaway cluster and passes its URL.
PG_URL_VARIABLE = "PAYWIT_PG_URL"
POSTGRES = os.environ.get(PG_URL_VARIABLE, "postgresql://postgres@127.0.0.1:5432/test")
CARDS = ["4242424242424242"] * 6 + ["4000000000000002", "4000000000009995", "4000000000000341"]


_issued_ports: set = set()


def free_port() -> int:
    """A port nothing listens on, never one this process handed out before: the kernel may give
    the same free port twice in a row, and a receiver given the gateway's port would fail to
    bind while its wait found the gateway listening there."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _issued_ports:
            _issued_ports.add(port)
            return port


def until(predicate: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# Where the Go receiver's programs are built (cmd/receiver, cmd/worker of examples/reference-integration/receiver-go).
GO_BIN = ROOT / "target" / "receiver-go"
RECEIVERS = {
    "python": (HERE.parent / "receiver-python", [sys.executable, "receiver.py"], [sys.executable, "worker.py"]),
    "node": (HERE.parent / "receiver-node", ["node", "receiver.js"], ["node", "worker.js"]),
    "go": (HERE.parent / "receiver-go", [str(GO_BIN / "receiver")], [str(GO_BIN / "worker")]),
}
_go_built = False


def build_go_receiver() -> None:
    """Builds the Go receiver's programs into GO_BIN, once per process: `go build` relinks nothing
    that is up to date (it compares build IDs), so this is correct after any change to the receiver,
    the paywit Go package or its core module, and cheap otherwise. A file lock keeps concurrent
    test processes from building over each other."""
    global _go_built
    if _go_built:
        return
    GO_BIN.mkdir(parents=True, exist_ok=True)
    with open(GO_BIN / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run(["go", "build", "-o", f"{GO_BIN}{os.sep}", "./cmd/receiver", "./cmd/worker"],
                               cwd=RECEIVERS["go"][0], capture_output=True, text=True)
    if built.returncode != 0:
        raise RuntimeError(f"building examples/reference-integration/receiver-go failed:\n{built.stdout}{built.stderr}")
    _go_built = True


@dataclass
class System:
    """The running gateway, receivers and workers. `receiver` is "python", "node" or "go"; `db` a SQLite
    file or a PostgreSQL URL; `receivers` how many receiver processes share the store (the
    gateway's deliveries take turns, as behind a load balancer)."""
    db: Path | str
    receiver: str = "python"
    receivers: int = 1
    gateway_url: str = ""
    receiver_url: str = ""
    receiver_ports: List[int] = field(default_factory=list)
    receiver_processes: List[subprocess.Popen] = field(default_factory=list)
    processes: List[subprocess.Popen] = field(default_factory=list)

    def __repr__(self) -> str:  # pytest shows it on a failure: no database password, no secret
        return f"System(db={without_password(str(self.db))!r}, receiver={self.receiver!r}, receivers={self.receivers})"

    def spawn(self, *args: str, **env: str) -> subprocess.Popen:
        if self.receiver == "go":
            build_go_receiver()
        process = subprocess.Popen(list(args), cwd=RECEIVERS[self.receiver][0], env={**os.environ, "PYTHONPATH": str(ROOT / "packages" / "python"), **env},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.processes.append(process)
        return process

    @staticmethod
    def wait_for(port: int, process: subprocess.Popen) -> None:
        for _ in range(300):
            if process.poll() is not None:
                shown = [without_password(arg) if arg.startswith("-") or not args_before_secret(process.args, arg) else "***"
                         for arg in map(str, process.args)]
                raise RuntimeError(f"{shown} exited with {process.returncode}: {process.stdout.read()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"nothing listens on {port}")

    def start(self) -> "System":
        if not GATEWAY.exists():
            raise RuntimeError(f"the sandbox gateway binary is missing at {GATEWAY}: run `cargo build -p paywit-sandbox-gateway`")
        gateway_port = free_port()
        self.receiver_ports = [free_port() for _ in range(self.receivers)]
        urls = ",".join(f"http://127.0.0.1:{port}/webhooks" for port in self.receiver_ports)
        gateway = self.spawn(str(GATEWAY), SANDBOX_PORT=str(gateway_port), SANDBOX_CHAOS="demo", SANDBOX_WEBHOOK_SECRET=SECRET,
                             SANDBOX_WEBHOOK_URL=urls, SANDBOX_TIME_SCALE="1000")
        self.wait_for(gateway_port, gateway)
        self.start_receivers()
        self.gateway_url, self.receiver_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{self.receiver_ports[0]}"
        return self

    def start_without_gateway(self, gateway_url: str) -> "System":
        """The receivers only (the workers, started later, call `gateway_url`: a test's stand-in)."""
        self.receiver_ports = [free_port() for _ in range(self.receivers)]
        self.start_receivers()
        self.gateway_url, self.receiver_url = gateway_url, f"http://127.0.0.1:{self.receiver_ports[0]}"
        return self

    def start_receivers(self, *extra: str) -> None:
        self.receiver_processes = [self.spawn(*RECEIVERS[self.receiver][1], "--db", str(self.db), "--port", str(port),
                                              "--secret", SECRET, *extra) for port in self.receiver_ports]
        for port, process in zip(self.receiver_ports, self.receiver_processes):
            self.wait_for(port, process)

    def stop_receivers(self) -> None:
        """An endpoint outage: the gateway's deliveries fail until `start_receivers`."""
        for process in self.receiver_processes:
            process.kill()
            process.wait()

    def worker(self, *extra: str) -> subprocess.Popen:
        return self.spawn(*RECEIVERS[self.receiver][2], "--db", str(self.db), "--gateway", self.gateway_url, "--time-scale", "100", *extra)

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()

    def store(self) -> Store:
        return Store(str(self.db))

    def truth(self) -> dict:
        with urllib.request.urlopen(f"{self.gateway_url}/v1/truth") as response:
            return json.loads(response.read())

    def post(self, url: str, body: dict, key: str | None = None) -> dict:
        """POSTs, retrying with the same key through the gateway's misbehaviour (an operator's script)."""
        headers = {"content-type": "application/json", **({"idempotency-key": key} if key else {})}
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        for _ in range(40):
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code < 500 and error.code not in (409, 429):
                    return json.loads(error.read() or b"{}")
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{url} kept failing")

    def folded_like_the_truth(self) -> bool:
        """Every event received and processed, every object in the gateway's true state."""
        truth = self.truth()
        with self.store() as store:
            unprocessed = store.execute("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").fetchone()[0]
            received = store.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
            states = {row[0]: (row[1], row[2]) for row in store.execute("SELECT id, kind, status FROM objects")}
        if unprocessed or received < truth["events"]:
            return False
        return all(states.get(object_id) == kind_status(wanted)
                   for object_id, o in truth["objects"].items()
                   for wanted in [paywit.map_event(o["source"] or "stripe", o["last_event"], o["status"])] if wanted is not None)


def kind_status(state: paywit.State) -> Tuple[str, str]:
    """A paywit lifecycle state as the receivers' store keeps it: (kind, status)."""
    return state._wit_case, state.value.value  # type: ignore[attr-defined]


def forgeries_accounted_for(refused: int, counters: dict) -> bool:
    """Whether the receiver's refusal log matches what the gateway saw of its forgeries: every
    forgery answered was logged as refused, and any other logged refusal is one of the forgeries
    the gateway got no answer for (logged, then its 401 lost to a stopped receiver or a timeout)."""
    answered, unanswered = counters["forgeries_answered"], counters["forgeries_unanswered"]
    return answered <= refused <= answered + unanswered


def every_forgery_refused(figures: dict) -> bool:
    """The figures' form of `forgeries_accounted_for`, with at least one forgery refused."""
    counters = {"forgeries_answered": figures["forgeries reaching the receiver"],
                "forgeries_unanswered": figures["forgeries without an answer"]}
    return figures["forgeries refused (401)"] > 0 and forgeries_accounted_for(figures["forgeries refused (401)"], counters)


def day_of_traffic(system: System, orders: int = 27) -> dict:
    """Orders charged through the worker, then refunds, disputes and a payout; returns the figures."""
    cards = (CARDS * (orders // len(CARDS) + 1))[:orders]
    started = time.time()
    for i, card in enumerate(cards):
        system.post(f"{system.receiver_url}/orders", {"amount": 1000 + i, "card": card})
    with system.store() as store:
        settled = until(lambda: store.execute("SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'retrying', 'charging')").fetchone()[0] == 0)
        charged = [row[0] for row in store.execute("SELECT payment_intent FROM orders WHERE status = 'charged' ORDER BY id")]
        retried = store.execute("SELECT COUNT(*) FROM orders WHERE attempts > 1").fetchone()[0]
    system.stop_receivers()  # an endpoint outage while refunds happen: redelivery must cover it
    for n, payment in enumerate(charged[: max(1, len(charged) // 5)]):
        system.post(f"{system.gateway_url}/v1/refunds", {"payment_intent": payment, "amount": 300}, key=f"refund-{n}")
    time.sleep(0.5)
    system.start_receivers()
    for n, payment in enumerate(charged[-max(1, len(charged) // 5):]):
        dispute = system.post(f"{system.gateway_url}/v1/payment_intents/{payment}/dispute", {}, key=f"dispute-{n}")
        system.post(f"{system.gateway_url}/v1/disputes/{dispute['id']}/close", {"outcome": "won" if n % 2 else "lost"}, key=f"close-{n}")
    system.post(f"{system.gateway_url}/v1/payouts", {"payment_intents": charged}, key="payout-1")
    for n in range(max(1, orders // 10)):  # crypto invoices: settled, or replaced (RBF) by an underpayment
        system.post(f"{system.gateway_url}/v1/invoices", {"amount": 50_000 + n}, key=f"invoice-{n}")
    matched = settled and until(system.folded_like_the_truth)

    def forgeries_settled() -> bool:
        # A forgery in flight is logged by the receiver before its 401 and counted by the gateway
        # after it: read the two once no answer is in flight (a real mismatch stays one).
        with system.store() as store:
            refused = store.execute("SELECT COUNT(*) FROM deliveries WHERE outcome = 'refused'").fetchone()[0]
        return forgeries_accounted_for(refused, system.truth()["counters"])
    until(forgeries_settled, 5)
    truth = system.truth()
    with system.store() as store:
        received, applied = store.execute("SELECT COUNT(*), (SELECT COALESCE(SUM(events_applied), 0) FROM objects) FROM inbox").fetchone()
        refused = store.execute("SELECT COUNT(*) FROM deliveries WHERE outcome = 'refused'").fetchone()[0]
        duplicates_dropped = store.execute("SELECT COUNT(*) FROM deliveries WHERE outcome = 'duplicate'").fetchone()[0]
        alerts = store.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        operator = store.execute("SELECT COUNT(*) FROM operator_queue").fetchone()[0]
        payouts = store.execute("SELECT COUNT(*), COALESCE(SUM(CASE WHEN match = 'exact' THEN 1 ELSE 0 END), 0) FROM payouts").fetchone()
        states = {row[0]: (row[1], row[2]) for row in store.execute("SELECT id, kind, status FROM objects")}
        acks = sorted(row[0] for row in store.execute("SELECT ms FROM deliveries WHERE ms IS NOT NULL"))
    objects = truth["objects"]
    true_objects = sum(1 for object_id, o in objects.items()
                       for wanted in [paywit.map_event(o["source"] or "stripe", o["last_event"], o["status"])]
                       if wanted is not None and states.get(object_id) == kind_status(wanted))
    counters = truth["counters"]
    return {
        "orders": orders, "orders retried": retried, "logical charges": cards.count("4242424242424242"),
        "charges made": counters["charges_made"], "events": truth["events"], "events received": received,
        "events applied": applied, "duplicate deliveries sent": counters["duplicates_sent"],
        "duplicates dropped by the receiver": duplicates_dropped,
        "forgeries sent": counters["forgeries_sent"], "forgeries reaching the receiver": counters["forgeries_answered"],
        "forgeries refused (401)": refused, "forgeries accepted": counters["forgeries_accepted"],
        "forgeries without an answer": counters["forgeries_unanswered"],
        "deliveries refused (redelivered)": counters["deliveries_refused"], "alerts (reversals)": alerts,
        "operator queue": operator, "payouts reconciled": payouts[0], "payouts matching exactly": payouts[1], "objects": len([o for o in objects.values() if o["last_event"]]),
        "objects matching the truth": true_objects, "all final states match": matched,
        "ack latency p50 (ms)": round(acks[len(acks) // 2], 2) if acks else None,
        "ack latency p99 (ms)": round(acks[min(len(acks) - 1, int(len(acks) * 0.99))], 2) if acks else None,
        "seconds": round(time.time() - started, 1),
    }


def args_before_secret(args, arg: str) -> bool:
    """Whether `arg` in a command line follows `--secret` (so is one)."""
    args = [str(a) for a in args]
    return any(a == "--secret" and b == arg for a, b in zip(args, args[1:]))


def without_password(text: str) -> str:
    """`text` with the password of any URL in it (userinfo or a `password=` parameter) hidden."""
    text = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", text)


@contextmanager
def postgres_schema(base: str = POSTGRES):
    """A fresh schema in the PostgreSQL database at `base`, dropped afterwards; yields the URL that
    selects it. Raises ConnectionError (with how to run it) when no server answers."""
    import psycopg

    name = f"paywit_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        raise ConnectionError(f"no PostgreSQL at {without_password(base)} ({without_password(str(error))}); "
                              f"start one, or set {PG_URL_VARIABLE}") from None
    admin.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{name}"
    finally:
        admin.execute(f"DROP SCHEMA {name} CASCADE")
        admin.close()


def postgres_url(stack: ExitStack) -> str:
    """For the tests: the URL of a fresh schema on the PostgreSQL server (dropped when `stack`
    closes). With no server answering, the test FAILS when `CI` or PAYWIT_PG_URL is set (a server
    was promised: `cargo xtask test` starts one and sets PAYWIT_PG_URL); only when neither is set
    is it skipped, loudly (a warning in pytest's summary as well as the skip's reason)."""
    import pytest

    try:
        return stack.enter_context(postgres_schema())
    except ConnectionError as error:
        unreachable = str(error)
    promised = [name for name in ("CI", PG_URL_VARIABLE) if os.environ.get(name)]
    if promised:
        pytest.fail(f"{unreachable}, and {' and '.join(promised)} {'is' if len(promised) == 1 else 'are'} set: "
                    "a PostgreSQL server must answer", pytrace=False)
    message = (f"SKIPPED LOUDLY, the PostgreSQL case did NOT run: {unreachable}. Neither CI nor {PG_URL_VARIABLE} "
               f"is set; run `cargo xtask test` (it starts a server) or set {PG_URL_VARIABLE}=postgresql://...")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def load(system: System, rate: int, seconds: float, threads: int = 16) -> dict:
    """Sends `rate` signed deliveries a second for `seconds` straight to the receivers (taking
    turns), each a new event, bounded in count and time; waits until all are processed and
    returns the figures: acknowledgement latency seen by the sender, lost and doubled events."""
    total = int(rate * seconds)
    deliveries = []
    for i in range(total):
        body = json.dumps({"id": f"evt_load_{i}", "type": "payment_intent.succeeded", "created": int(time.time()),
                           "data": {"object": {"id": f"pi_load_{i % 200}", "object": "payment_intent", "status": "succeeded"}}})
        headers = paywit.sign_webhook("standard-webhooks", SECRET, body, id=f"evt_load_{i}")
        deliveries.append((body.encode(), headers))
    latencies: List[float] = []
    failures = 0
    start = time.perf_counter()
    lock = threading.Lock()
    cursor = iter(range(total))

    def send() -> None:
        nonlocal failures
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            due = start + i / rate
            if due > time.perf_counter():
                time.sleep(due - time.perf_counter())
            port = system.receiver_ports[i % len(system.receiver_ports)]
            body, headers = deliveries[i]
            request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks", data=body, headers=headers, method="POST")
            sent = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                with lock:
                    latencies.append((time.perf_counter() - sent) * 1000)
            except OSError:
                with lock:
                    failures += 1

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start

    def processed() -> bool:
        with system.store() as store:
            return store.execute("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").fetchone()[0] == 0
    drained = until(processed, 120)
    with system.store() as store:
        received = store.execute("SELECT COUNT(*) FROM inbox WHERE event_id LIKE 'evt_load_%'").fetchone()[0]
        applied = store.execute("SELECT COALESCE(SUM(events_applied), 0) FROM objects WHERE id LIKE 'pi_load_%'").fetchone()[0]
    latencies.sort()
    return {
        "deliveries": total, "target rate (/s)": rate, "achieved rate (/s)": round(total / elapsed),
        "ack p50 (ms)": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "ack p99 (ms)": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2) if latencies else None,
        "send failures": failures, "recorded": received, "applied": applied, "drained": drained,
        "lost": total - received, "doubled": applied - received,
    }
