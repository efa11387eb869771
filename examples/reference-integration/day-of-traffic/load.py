"""The load figures of BENCHMARKS.md (`cargo xtask bench`): each receiver and its worker, on SQLite
and on PostgreSQL, under open-loop load from vegeta (a load generator in its own process, at a fixed
rate whatever the answers' latency), with pre-signed deliveries, each a new event.

First 500 deliveries a second (5x an expected peak of 100/s); then rising rates until one is not
held, which gives the ceiling: the highest rate achieved in full with every delivery answered 2xx and
an ack p99 under the guide's 500 ms. After each step the worker drains the backlog and the store is
checked: nothing lost, nothing doubled. What bounds a setup shows in the CPU its receiver used (one
core is 100%).

The vegeta binary comes from PAYWIT_VEGETA (`cargo xtask bench` installs it from the Go module proxy)."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import paywit
from harness import SECRET, System, free_port, postgres_schema, until

VEGETA = os.environ.get("PAYWIT_VEGETA", "vegeta")
PEAK = 100  # the expected peak, deliveries a second
STEPS = [5 * PEAK, 1000, 2000, 3000, 4000, 6000, 8000]
SECONDS = 5
P99_LIMIT_MS = 500.0  # the guide: answer 200 within 500 ms
RECEIVERS = sys.argv[1:] or ["python", "node", "go"]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def targets(system: System, step: str, rate: int, seconds: int) -> Path:
    """rate * seconds deliveries, signed now (well inside the 5 minute replay window), as vegeta's
    JSON targets: each a new event, taking turns over the receivers."""
    path = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    with path.open("w") as out:
        for i in range(rate * seconds):
            event = f"evt_{step}_{i}"
            body = json.dumps({"id": event, "type": "payment_intent.succeeded", "created": int(time.time()),
                               "data": {"object": {"id": f"pi_{step}_{i % 200}", "object": "payment_intent",
                                                   "status": "succeeded"}}}).encode()
            headers = paywit.sign_webhook("standard-webhooks", SECRET, body, id=event)
            port = system.receiver_ports[i % len(system.receiver_ports)]
            out.write(json.dumps({"method": "POST", "url": f"http://127.0.0.1:{port}/webhooks",
                                  "body": base64.b64encode(body).decode(),
                                  "header": {"Content-Type": ["application/json"], **{k: [v] for k, v in headers.items()}}}) + "\n")
    return path


def attack(system: System, step: str, rate: int, seconds: int = SECONDS, counted: bool = True) -> Dict[str, object]:
    """One step: vegeta at `rate` for `seconds`, then (when `counted`) the drain and the store's count."""
    path = targets(system, step, rate, seconds)
    pids = [p.pid for p in system.receiver_processes]
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    try:
        attack = subprocess.run([VEGETA, "attack", "-format=json", f"-targets={path}", f"-rate={rate}/1s",
                                 f"-duration={seconds}s", "-timeout=10s", "-keepalive=true"],
                                capture_output=True, check=True)
    finally:
        path.unlink()
    cpu = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) / seconds * 100
    report = json.loads(subprocess.run([VEGETA, "report", "-type=json"], input=attack.stdout,
                                       capture_output=True, check=True).stdout)

    sent = report["requests"]
    ok = sum(n for code, n in report["status_codes"].items() if code.startswith("2"))
    p99 = report["latencies"]["99th"] / 1e6
    held = ok == sent >= 0.97 * rate * seconds and report["rate"] >= 0.97 * rate and p99 < P99_LIMIT_MS
    figures = {"rate": rate, "achieved": round(report["rate"]), "p50": report["latencies"]["50th"] / 1e6, "p99": p99,
               "ok": ok, "sent": sent, "cpu": cpu, "held": held}
    if not counted:
        return figures

    def processed() -> bool:
        with system.store() as store:
            return store.execute("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").fetchone()[0] == 0
    drained = until(processed, 300)
    with system.store() as store:
        recorded = store.one("SELECT COUNT(*) FROM inbox WHERE event_id LIKE ?", (f"evt_{step}_%",))[0]
        applied = store.one("SELECT COALESCE(SUM(events_applied), 0) FROM objects WHERE id LIKE ?", (f"pi_{step}_%",))[0]
    # Every 2xx was recorded (nothing lost); no event applied twice (nothing doubled).
    return {**figures, "drained": drained, "lost": max(0, ok - recorded), "doubled": applied - recorded}


# The server alone: uvicorn as the Python receiver runs it (httptools, uvloop), with an app that
# answers 200 to everything and reads, verifies and stores nothing. Its ceiling bounds the receiver's.
BARE_UVICORN = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http="httptools", loop="uvloop", lifespan="off",
            access_log=False, log_level="warning")
"""


def bare_server_ceiling() -> Tuple[str, float]:
    """The highest of STEPS that bare uvicorn holds (as `attack` judges it), and its CPU there."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", BARE_UVICORN, str(port)])
    try:
        System.wait_for(port, server)
        system = System(Path("unused"), "python")
        system.receiver_ports, system.receiver_processes = [port], [server]
        attack(system, "bare-warm", PEAK, 2, counted=False)
        held, cpu = "below 500/s", 0.0
        for rate in STEPS:
            step = attack(system, "bare", rate, counted=False)
            cpu = float(step["cpu"])  # type: ignore[arg-type]
            if not step["held"]:
                break
            held = f"{rate}/s"
        return held, cpu
    finally:
        server.kill()
        server.wait()


def run(receiver: str, store: str) -> Optional[List[Dict[str, object]]]:
    with ExitStack() as stack:
        if store == "SQLite":
            db: object = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "receiver.sqlite"
        else:
            try:
                db = stack.enter_context(postgres_schema())
            except ConnectionError as error:
                print(f"{receiver} on PostgreSQL skipped: {error}", file=sys.stderr)
                return None
        system = System(db, receiver).start()  # type: ignore[arg-type]
        stack.callback(system.stop)
        system.worker()
        # Warm-up, not counted: a receiver in service has compiled paywit and opened its
        # connections (a cold start is BENCHMARKS' cold-start table, not the ack latency).
        attack(system, f"{store[0]}warm", PEAK, 2)
        steps = []
        for number, rate in enumerate(STEPS):
            step = attack(system, f"{store[0]}{number}", rate)
            steps.append(step)
            print(f"{receiver} {store} {rate}/s: {step}", file=sys.stderr)
            if not step["held"]:
                break
        return steps


def ms(value: object) -> str:
    return f"{value:.1f} ms" if isinstance(value, float) else str(value)


print(f"Each receiver with its worker on one store, under open-loop load from vegeta ({SECONDS} s per rate after a "
      f"2 s warm-up at {PEAK}/s, pre-signed deliveries, each a new event, keep-alive connections) on these same cores. A rate is *held* "
      f"when it is achieved in full, every delivery is answered 2xx and the ack p99 is under {P99_LIMIT_MS:.0f} ms. "
      "Lost: answered 2xx but not recorded; doubled: applied more than once (both counted after the worker "
      "drained the backlog). Receiver CPU: of one core, at the first rate not held: near or over 100%, the "
      "receiver's process is the bound (Python: one process, its GIL shared with the store's writer thread); "
      "well under, the store (SQLite's one write lock, shared with the worker; PostgreSQL's commits) or the cores "
      "the load generator and the worker share.\n")
print("| receiver | store | 5x peak (500/s): achieved | ack p50 | ack p99 | lost | doubled | ceiling | at the first rate not held | receiver CPU there |")
print("|---|---|---|---|---|---|---|---|---|---|")
for receiver in RECEIVERS:
    for store in ("SQLite", "PostgreSQL"):
        steps = run(receiver, store)
        if not steps:
            print(f"| {receiver} | {store} | skipped: no PostgreSQL server ||||||||")
            continue
        first = steps[0]
        held = [s for s in steps if s["held"]]
        ceiling = f"{held[-1]['rate']}/s" if held else "below 500/s"
        failed = next((s for s in steps if not s["held"]), None)
        where = (f"{failed['rate']}/s: achieved {failed['achieved']}/s, p99 {ms(failed['p99'])}, "
                 f"{failed['ok']}/{failed['sent']} 2xx" if failed else f"none up to {STEPS[-1]}/s")
        cpu = f"{failed['cpu']:.0f}%" if failed else f"{steps[-1]['cpu']:.0f}%"
        lost = sum(int(s["lost"]) for s in steps)  # type: ignore[call-overload]
        doubled = sum(int(s["doubled"]) for s in steps)  # type: ignore[call-overload]
        print(f"| {receiver} | {store} | {first['achieved']}/s | {ms(first['p50'])} | {ms(first['p99'])} | {lost} | "
              f"{doubled} | {ceiling} | {where} | {cpu} |", flush=True)
if "python" in RECEIVERS:
    ceiling, cpu = bare_server_ceiling()
    print(f"\nThe server alone, as the Python receiver runs it (uvicorn, httptools, uvloop; an app that answers 200 "
          f"and reads, verifies and stores nothing): ceiling {ceiling}, its CPU at the first rate not held {cpu:.0f}% "
          "of one core.")
