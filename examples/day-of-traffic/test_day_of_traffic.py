"""Each reference receiver (Python, Node) and its worker end to end against the sandbox gateway
(every misbehaviour on): each logical charge happens exactly once although
responses are lost and retried, every object ends in the gateway's true
state, duplicates are dropped, forgeries refused, and a worker killed with
SIGKILL inside an event's transaction loses nothing and doubles nothing."""
import signal

import pytest

from harness import System, day_of_traffic, until


@pytest.fixture(params=["python", "node"])
def system(request, tmp_path):
    running = System(tmp_path / "receiver.sqlite", request.param).start()
    yield running
    running.stop()


def test_a_day_of_misbehaving_traffic_ends_exactly_once_and_true(system):
    system.worker()
    figures = day_of_traffic(system, orders=27)
    print(figures)
    assert figures["all final states match"], "every object folds to the gateway's true state"
    assert figures["charges made"] == figures["logical charges"], "every logical charge happened exactly once"
    assert figures["events received"] == figures["events"], "no event lost, none recorded twice"
    assert figures["events applied"] == figures["events received"], "each event changed its object exactly once"
    assert figures["forgeries refused (401)"] == figures["forgeries reaching the receiver"] > 0, "every forgery that arrived was refused"
    assert figures["forgeries accepted"] == 0
    assert figures["deliveries refused (redelivered)"] > 0, "the endpoint outage was redelivered"
    assert figures["orders retried"] > 0 and figures["duplicate deliveries sent"] > 0, "the day had misbehaviour to survive"


def test_a_worker_killed_inside_an_event_loses_and_doubles_nothing(system):
    for i in range(3):
        system.post(f"{system.gateway_url}/v1/payment_intents", {"amount": 500 + i, "card": "4242424242424242"}, key=f"kill-{i}")
    with system.store() as store:
        assert until(lambda: store.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] >= 6)
    paused = system.worker("--pause-after-apply", "30")
    for line in paused.stdout:
        if "paused inside the transaction" in line:
            break
    paused.send_signal(signal.SIGKILL)  # a real SIGKILL, mid-transaction
    paused.wait()
    with system.store() as store:
        assert store.execute("SELECT COALESCE(SUM(events_applied), 0) FROM objects").fetchone()[0] == 0, "nothing half-applied"
    system.worker()
    assert until(system.folded_like_the_truth)
    with system.store() as store:
        received, applied = store.execute("SELECT COUNT(*), (SELECT SUM(events_applied) FROM objects) FROM inbox").fetchone()
    assert applied == received == system.truth()["events"]
