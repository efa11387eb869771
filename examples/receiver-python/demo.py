"""A day of misbehaving traffic through the Python receiver: prints the table,
exits non-zero unless every charge happened once and every state matches."""
import sys
import tempfile
from pathlib import Path

from harness import System, day_of_traffic

with tempfile.TemporaryDirectory() as directory:
    system = System(Path(directory) / "receiver.sqlite").start()
    try:
        system.worker()
        figures = day_of_traffic(system, orders=int(sys.argv[1]) if len(sys.argv) > 1 else 90)
    finally:
        system.stop()
width = max(len(k) for k in figures)
print("\nPython receiver (SQLite), a day of traffic through the misbehaving sandbox gateway\n")
for key, value in figures.items():
    print(f"  {key:<{width}}  {value}")
ok = figures["all final states match"] and figures["charges made"] == figures["logical charges"] \
    and figures["events applied"] == figures["events received"] == figures["events"] \
    and figures["forgeries refused (401)"] == figures["forgeries reaching the receiver"] and figures["forgeries accepted"] == 0
print("\n" + ("every charge made exactly once, every object in its true state" if ok else "MISMATCH: see the figures above"))
sys.exit(0 if ok else 1)
