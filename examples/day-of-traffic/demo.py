"""A day of misbehaving traffic through each reference receiver (Python and
Node, both on SQLite): prints one table per receiver, exits non-zero unless
every charge happened once and every object ends in its true state."""
import sys
import tempfile
from pathlib import Path

from harness import System, day_of_traffic


def checked(figures: dict) -> bool:
    return (figures["all final states match"] and figures["charges made"] == figures["logical charges"]
            and figures["events applied"] == figures["events received"] == figures["events"]
            and figures["forgeries refused (401)"] == figures["forgeries reaching the receiver"]
            and figures["forgeries accepted"] == 0
            and figures["payouts matching exactly"] == figures["payouts reconciled"] > 0)


orders = int(sys.argv[1]) if len(sys.argv) > 1 else 90
results = {}
for receiver in ("python", "node"):
    with tempfile.TemporaryDirectory() as directory:
        system = System(Path(directory) / "receiver.sqlite", receiver).start()
        try:
            system.worker()
            results[receiver] = day_of_traffic(system, orders=orders)
        finally:
            system.stop()
width = max(len(k) for k in results["python"])
print("\nA day of traffic through the misbehaving sandbox gateway, one receiver and worker each (SQLite)\n")
print(f"  {'':<{width}}  {'python':>10}  {'node':>10}")
for key in results["python"]:
    print(f"  {key:<{width}}  {str(results['python'][key]):>10}  {str(results['node'][key]):>10}")
ok = all(checked(figures) for figures in results.values())
print("\n" + ("every charge made exactly once, every object in its true state, in both receivers" if ok else "MISMATCH: see the figures above"))
sys.exit(0 if ok else 1)
