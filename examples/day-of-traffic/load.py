"""The load figures of BENCHMARKS.md (`cargo xtask bench`): 5x the expected peak (100 deliveries
a second per receiver) at one Python receiver on SQLite, and at two receivers and two workers on
one PostgreSQL, bounded in time; prints a table."""
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from harness import System, load, postgres_schema

RATE, SECONDS = 500, 4
rows = []
for setup in ("one receiver, one worker, SQLite", "two receivers, two workers, PostgreSQL"):
    with ExitStack() as stack:
        if "SQLite" in setup:
            system = System(Path(stack.enter_context(tempfile.TemporaryDirectory())) / "receiver.sqlite", "python").start()
        else:
            try:
                system = System(stack.enter_context(postgres_schema()), "python", receivers=2).start()
            except ConnectionError as error:
                print(f"| {setup} | skipped: {error} |||||", file=sys.stderr)
                continue
        stack.callback(system.stop)
        for _ in range(2 if "two" in setup else 1):
            system.worker()
        rows.append((setup, load(system, rate=RATE, seconds=SECONDS)))
print(f"Python receiver (examples/receiver-python), {RATE} signed deliveries a second for {SECONDS} s "
      "(5x an expected peak of 100/s), sent by one Python process on loopback\n")
print("| setup | achieved rate | ack p50 | ack p99 | lost | doubled |")
print("|---|---|---|---|---|---|")
for setup, f in rows:
    print(f"| {setup} | {f['achieved rate (/s)']}/s | {f['ack p50 (ms)']} ms | {f['ack p99 (ms)']} ms | {f['lost']} | {f['doubled']} |")
