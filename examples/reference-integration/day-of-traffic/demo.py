"""A day of misbehaving traffic through each reference receiver (Python, Node
and Go, all on SQLite): prints one column per receiver, exits non-zero unless
every charge happened once and every object ends in its true state. Then the
operator's dashboard (examples/reference-integration/operator) serves the Python receiver's store:
its URL is printed, and it stays up until you press Enter (in a terminal) or,
with --keep-up, until Ctrl-C.

    python demo.py [orders] [--keep-up]
"""
import argparse
import re
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from harness import System, day_of_traffic, every_forgery_refused, free_port

DASHBOARD = Path(__file__).resolve().parents[1] / "operator" / "dashboard.py"


def checked(figures: dict) -> bool:
    return (figures["all final states match"] and figures["charges made"] == figures["logical charges"]
            and figures["events applied"] == figures["events received"] == figures["events"]
            and every_forgery_refused(figures)
            and figures["forgeries accepted"] == 0
            and figures["payouts matching exactly"] == figures["payouts reconciled"] > 0)


def dashboard_summary(url: str) -> str:
    """What the dashboard shows, in one line: each alert stream's state and the failures listed."""
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode()
    streams = [f"{name}: {'ALERT' if state == 'alerting' else 'ok'}"
               for state, name in re.findall(r'class="stream (\w+)" data-stream="([^"]+)"', page)]
    listed = []
    for name in ("events-whose-processing-failed", "deliveries-refused-per-window-scheme-and-code", "failed-payments",
                 "failed-payouts", "disputes-needing-a-response", "reversals-alerts", "operator-queue-rejected",
                 "payouts-not-reconciled-exactly", "charges-declined-or-failed"):
        table = page.split(f'id="{name}"', 1)[1].split("</table>", 1)[0]
        listed.append(f"{table.count('<tr><td>')} {name.replace('-', ' ')}")
    return f"alerts: {', '.join(streams)}\n  rows listed: {', '.join(listed)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("orders", nargs="?", type=int, default=90)
    parser.add_argument("--keep-up", action="store_true", help="keep the dashboard up until Ctrl-C")
    args = parser.parse_args()
    results = {}
    with ExitStack() as stack:
        for receiver in ("node", "go", "python"):  # the Python receiver's last: the dashboard serves its store
            directory = stack.enter_context(tempfile.TemporaryDirectory())
            system = System(Path(directory) / "receiver.sqlite", receiver).start()
            stack.callback(system.stop)
            system.worker()
            results[receiver] = day_of_traffic(system, orders=args.orders)
            if receiver != "python":
                # Stopped now, not at the end: a finished system's idle workers and gateway must not
                # take the cores from the next receiver's day (its ack latency is measured).
                system.stop()
        width = max(len(k) for k in results["python"])
        print("\nA day of traffic through the misbehaving sandbox gateway, one receiver and worker each (SQLite)\n")
        columns = ("python", "node", "go")
        print(f"  {'':<{width}}" + "".join(f"  {name:>10}" for name in columns))
        for key in results["python"]:
            print(f"  {key:<{width}}" + "".join(f"  {str(results[name][key]):>10}" for name in columns))
        ok = all(checked(figures) for figures in results.values())
        print("\n" + ("every charge made exactly once, every object in its true state, in every receiver" if ok else "MISMATCH: see the figures above"))

        port = free_port()
        dashboard = system.spawn(sys.executable, str(DASHBOARD), "--db", str(system.db), "--gateway", system.gateway_url, "--port", str(port))
        system.wait_for(port, dashboard)
        url = f"http://127.0.0.1:{port}/"
        print(f"\nThe operator's dashboard over the Python receiver's store: {url}\n  {dashboard_summary(url)}")
        if args.keep_up:
            print("  (up until Ctrl-C)", flush=True)
            try:
                dashboard.wait()
            except KeyboardInterrupt:
                pass
        elif sys.stdin.isatty():
            input("  Press Enter to end the demo (the dashboard and the sandbox stop with it). ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
