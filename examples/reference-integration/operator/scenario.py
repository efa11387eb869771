"""Starts the reference integration with its dashboard for a scripted run (the
browser test, `cargo xtask screenshot`): the sandbox gateway, the Python
receiver and worker on a fresh SQLite store, and the dashboard with short
alert windows. Prints one JSON line with their URLs and the webhook secret,
then runs until its standard input closes.

    python scenario.py [--window-seconds 2] [--min-events 10]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "day-of-traffic"))
from harness import SECRET, System, free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window-seconds", default="2")
    parser.add_argument("--min-events", default="10")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        system = System(Path(directory) / "receiver.sqlite", "python").start()
        try:
            system.worker("--time-scale", "1000")  # retries and give-ups in milliseconds
            port = free_port()
            dashboard = system.spawn(sys.executable, str(HERE / "dashboard.py"), "--db", str(system.db), "--gateway", system.gateway_url,
                                     "--port", str(port), "--window-seconds", args.window_seconds, "--windows", "20",
                                     "--min-events", args.min_events, "--refresh", "0")
            system.wait_for(port, dashboard)
            print(json.dumps({"dashboard": f"http://127.0.0.1:{port}/", "gateway": system.gateway_url,
                              "receiver": system.receiver_url, "secret": SECRET}), flush=True)
            sys.stdin.read()  # until the test is done
        finally:
            system.stop()
            for process in system.processes:
                if process.returncode not in (None, 0, -9) and process.stdout:
                    print(process.stdout.read(), file=sys.stderr)


if __name__ == "__main__":
    main()
