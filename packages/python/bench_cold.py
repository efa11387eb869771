"""Cold start: from a new Python process's start to its first verified webhook delivery, paywit
(with a warm compiled-module cache, an empty one, and the cache off) beside `import wasmtime` alone
(the floor: loading the runtime) and the PyPI peers standardwebhooks and stripe.

Each row is a fresh `python -c` process; the time is from just before the parent starts it to the
moment the child has verified one signed delivery (the child prints its clock then, so the
interpreter's exit is not counted). Rounds are interleaved (every round runs each row once), so a
slow spell of the machine hits all rows alike; each row's bytecode caches are written by a discarded
warm-up run first. Prints a markdown table: the median of ROUNDS runs per row, and each paywit row's
difference to the floor (the median of the per-round differences).

    python bench_cold.py [rounds]
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROUNDS = 11
PACKAGE_DIR = Path(__file__).resolve().parent
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STRIPE_SECRET = "whsec_bench_secret"
BODY = '{"type":"payment.succeeded","data":{"id":"pay_123","amount":1000}}'
FLOOR = "`import wasmtime` alone (the floor)"


def standard_webhooks_headers(now: int) -> Dict[str, str]:
    """A Standard Webhooks signature computed with hmac, not with the code under test."""
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"msg_cold.{now}.{BODY}".encode(), hashlib.sha256).digest()
    return {"webhook-id": "msg_cold", "webhook-timestamp": str(now),
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def stripe_header(now: int) -> str:
    mac = hmac.new(STRIPE_SECRET.encode(), f"{now}.{BODY}".encode(), hashlib.sha256).hexdigest()
    return f"t={now},v1={mac}"


def programs(now: int) -> List[Tuple[str, str]]:
    """(row, the child's program): each verifies one delivery, then prints its clock."""
    headers, header = standard_webhooks_headers(now), stripe_header(now)
    paywit = ("import paywit\n"
              f"paywit.verify_webhook('standard-webhooks', {SECRET!r}, {headers!r}, {BODY!r})\n")
    return [
        (FLOOR, "import wasmtime\n"),
        ("paywit, warm cache", paywit),
        ("paywit, empty cache (compiles, writes the entry)", paywit),
        ("paywit, cache off (compiles)", paywit),
        ("PyPI standardwebhooks", "from standardwebhooks.webhooks import Webhook\n"
                                  f"Webhook({SECRET!r}).verify({BODY!r}, {headers!r})\n"),
        ("PyPI stripe", "import stripe\n"
                        f"stripe.WebhookSignature.verify_header({BODY!r}, {header!r}, {STRIPE_SECRET!r}, tolerance=300)\n"),
    ]


def child_env(cache: Optional[str]) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PAYWIT_CACHE_DIR")}
    env["PYTHONPATH"] = str(PACKAGE_DIR)
    if cache is not None:
        env["PAYWIT_CACHE_DIR"] = cache
    return env


def run_once(program: str, env: Dict[str, str]) -> float:
    """Milliseconds from starting the process to its first verified delivery."""
    code = f"import time\n{program}print('verified', time.time_ns())\n"
    start = time.time_ns()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    word, _, stamp = done.stdout.strip().partition(" ")
    if done.returncode != 0 or word != "verified":
        raise RuntimeError(f"the child failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return (int(stamp) - start) / 1e6


def measure(rounds: int = ROUNDS) -> List[Tuple[str, List[float]]]:
    """Per row, the milliseconds of each round."""
    with tempfile.TemporaryDirectory(prefix="paywit-cold-") as scratch:
        rows = programs(int(time.time()))
        caches = {"paywit, warm cache": os.path.join(scratch, "warm"), "paywit, cache off (compiles)": "off"}

        def env_for(row: str, round_: int) -> Dict[str, str]:
            if row.startswith("paywit, empty cache"):
                return child_env(os.path.join(scratch, f"empty-{round_}"))
            return child_env(caches.get(row))

        for row, program in rows:  # bytecode caches, and the warm cache's entry
            run_once(program, env_for(row, -1))
        samples: List[List[float]] = [[] for _ in rows]
        for round_ in range(rounds):
            for (row, program), out in zip(rows, samples, strict=True):
                out.append(run_once(program, env_for(row, round_)))
        return [(row, out) for (row, _), out in zip(rows, samples, strict=True)]


def table(results: List[Tuple[str, List[float]]]) -> str:
    floor = dict(results)[FLOOR]
    lines = ["| process start to first verified delivery | median | above the floor (median of per-round differences) |",
             "|---|---|---|"]
    for row, ms in results:
        above = "" if row == FLOOR else f"{statistics.median(m - f for m, f in zip(ms, floor, strict=True)):+.1f} ms"
        lines.append(f"| {row} | {statistics.median(ms):.1f} ms | {above} |")
    return "\n".join(lines)


def main(rounds: int = ROUNDS) -> None:
    print(f"python, cold start (median of {rounds} fresh processes per row, Python {sys.version.split()[0]})\n")
    print(table(measure(rounds)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
