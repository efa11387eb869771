"""Each reference receiver (Python, Node, Go) and its worker end to end against the sandbox gateway
(every misbehaviour on), on SQLite and on PostgreSQL with two receivers and two workers: each
logical charge happens exactly once although responses are lost and retried, every object ends in
the gateway's true state, duplicates are dropped, forgeries refused; a worker killed with SIGKILL
inside an event's transaction and a receiver killed between "event recorded" and "200 sent" lose
nothing and double nothing; 5x the expected peak is absorbed.

The PostgreSQL tests use the server at PAYWIT_PG_URL (default postgresql://postgres@127.0.0.1:5432/test;
`cargo xtask test` starts a throwaway cluster and sets it). With no server answering they FAIL when
CI or PAYWIT_PG_URL is set, and are skipped loudly only when neither is (harness.postgres_url)."""
import signal
from contextlib import ExitStack

import pytest

import paywit

from harness import System, day_of_traffic, every_forgery_refused, load, postgres_url, until

EXPECTED_PEAK = 100  # deliveries a second at one receiver; the load test sends 5x that


@pytest.fixture(params=["python-sqlite", "node-sqlite", "go-sqlite", "python-postgres", "node-postgres", "go-postgres"])
def system(request, tmp_path):
    receiver, database = request.param.split("-")
    with ExitStack() as stack:
        if database == "sqlite":
            running = System(tmp_path / "receiver.sqlite", receiver).start()
        else:
            running = System(postgres_url(stack), receiver, receivers=2).start()
        stack.callback(running.stop)
        running.workers = 1 if database == "sqlite" else 2
        yield running


def assert_exactly_once_and_true(figures: dict) -> None:
    print(figures)
    assert figures["all final states match"], "every object folds to the gateway's true state"
    assert figures["charges made"] == figures["logical charges"], "every logical charge happened exactly once"
    assert figures["events received"] == figures["events"], "no event lost, none recorded twice"
    assert figures["events applied"] == figures["events received"], "each event changed its object exactly once"
    assert every_forgery_refused(figures), "every forgery that arrived was refused"
    assert figures["forgeries accepted"] == 0
    assert figures["deliveries refused (redelivered)"] > 0, "the endpoint outage was redelivered"
    assert figures["payouts matching exactly"] == figures["payouts reconciled"] > 0, "the payout reconciles with its items"


def test_a_day_of_misbehaving_traffic_ends_exactly_once_and_true(system):
    for _ in range(system.workers):
        system.worker()
    figures = day_of_traffic(system, orders=27)
    assert_exactly_once_and_true(figures)
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
    for _ in range(system.workers):
        system.worker()
    assert until(system.folded_like_the_truth)
    with system.store() as store:
        received, applied = store.execute("SELECT COUNT(*), (SELECT SUM(events_applied) FROM objects) FROM inbox").fetchone()
    assert applied == received == system.truth()["events"]


def test_an_event_whose_processing_keeps_failing_is_given_up_then_processed_once_after_a_replay(system):
    """A paid payout's items are fetched from the API while the gateway's reads are down: the worker
    retries on paywit's schedule, gives up with the failure's category, and the gateway's replay
    requeues the event; it is then processed, once."""
    for _ in range(system.workers):
        system.worker("--time-scale", "1000")
    paid = system.post(f"{system.gateway_url}/v1/payment_intents", {"amount": 900, "card": "4242424242424242"}, key="thin-pay")
    # Long enough for every attempt on a loaded machine; ended below once the event is given up.
    system.post(f"{system.gateway_url}/v1/sandbox/outage", {"seconds": 300, "reads_only": True})
    payout = system.post(f"{system.gateway_url}/v1/payouts", {"payment_intents": [paid["id"]]}, key="thin-payout")
    with system.store() as store:
        def failed():
            return store.one("SELECT event_id, error, attempts FROM inbox WHERE failed_at IS NOT NULL")
        assert until(lambda: failed() is not None, 20), "the event is given up"
        event_id, error, attempts = failed()
        assert (error, attempts) == ("server-error", paywit.api_policy().max_attempts), "every attempt made, then given up"
        assert store.one("SELECT COUNT(*) FROM payouts")[0] == 0, "nothing of the failed attempts stays"
        assert system.post(f"{system.gateway_url}/v1/sandbox/outage", {"seconds": 0})["outage_seconds"] == 0  # the API is back
        system.post(f"{system.gateway_url}/v1/events/{event_id}/replay", {})
        assert until(lambda: store.one("SELECT processed_at FROM inbox WHERE event_id = ?", (event_id,))[0] is not None)
        assert store.one("SELECT match FROM payouts WHERE id = ?", (payout["id"],)) == ("exact",)
        assert store.one("SELECT COUNT(*) FROM attempts WHERE event_id = ? AND outcome = 'processed'", (event_id,)) == (1,)
        assert store.one("SELECT times_delivered >= 2 FROM inbox WHERE event_id = ?", (event_id,))[0]


@pytest.mark.parametrize("receiver", ["python", "go"])
def test_a_receiver_killed_between_recording_and_answering_is_absorbed(tmp_path, receiver):
    system = System(tmp_path / "receiver.sqlite", receiver).start()
    try:
        system.stop_receivers()
        system.start_receivers("--pause-before-answer", "30")
        system.worker()
        system.post(f"{system.gateway_url}/v1/payment_intents", {"amount": 700, "card": "4242424242424242"}, key="absorbed")
        paused = system.receiver_processes[0]
        for line in paused.stdout:
            if "pausing before the answer" in line:
                break
        paused.send_signal(signal.SIGKILL)  # recorded and committed, 200 never sent
        paused.wait()
        system.start_receivers()  # the gateway redelivers; the receiver finds the id and answers 200
        assert until(system.folded_like_the_truth)
        with system.store() as store:
            received, applied = store.execute("SELECT COUNT(*), (SELECT SUM(events_applied) FROM objects) FROM inbox").fetchone()
        truth = system.truth()
        assert applied == received == truth["events"]
        assert truth["counters"]["deliveries_refused"] > 0, "the killed receiver's delivery was redelivered"
    finally:
        system.stop()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_five_times_the_expected_peak_loses_and_doubles_nothing(database, tmp_path):
    with ExitStack() as stack:
        if database == "sqlite":
            system = System(tmp_path / "receiver.sqlite", "python").start()
        else:
            system = System(postgres_url(stack), "python", receivers=2).start()
        stack.callback(system.stop)
        for _ in range(1 if database == "sqlite" else 2):
            system.worker()
        figures = load(system, rate=5 * EXPECTED_PEAK, seconds=2)
        print(database, figures)
        assert figures["drained"] and figures["send failures"] == 0
        assert figures["lost"] == 0 and figures["doubled"] == 0
