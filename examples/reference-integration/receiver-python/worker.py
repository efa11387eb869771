"""The receiver's worker, a separate process: folds recorded events into
their objects with paywit's lifecycle (alerts on `reversed`, the operator
queue on `rejected`), makes the orders' charges with their persisted
idempotency keys (failures classified and retried with paywit, never in a
request handler), and polls the gateway for objects whose webhooks may be
lost (paywit's polling backstop).

    python worker.py --db receiver.sqlite --gateway http://127.0.0.1:8787
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import socket
import sys
import time
import traceback
import urllib.error
import urllib.request
from typing import Optional, Tuple

import paywit
from store import Store, now

API_PATHS = {"payment": "payment_intents", "refund": "refunds", "payout": "payouts"}


class ProcessingFailed(Exception):
    """An event that could not be processed now: `category` says why (paywit's retry
    category for a failed API call, `malformed-event` for an event that can never be)."""

    def __init__(self, category: str, failure: Optional[paywit.Failure] = None) -> None:
        super().__init__(category)
        self.category, self.failure = category, failure


FETCH_LEASE_SECONDS = 10  # longer than a call to the API (its timeout: 2 s)


# The most events folded in one transaction (one commit for all of them).
EVENT_BATCH = 64


def process_events(store: Store, time_scale: float = 1.0, pause_seconds: float = 0.0) -> int:
    """Folds the due events, oldest first, up to EVENT_BATCH of them in one transaction: each in a
    savepoint of its own, so an event whose processing raises is rolled back alone and its failure
    recorded (as `process_one_event` records it), and the rest commit together. One commit, one
    WAL sync and one turn of SQLite's write lock for the batch instead of one per event: with a
    transaction per event the worker held the write lock nearly all the time under a backlog, and
    the receiver's inserts waited for it in SQLite's busy handler (seconds of ack latency at 500/s).

    Stops before a paid payout (its items come from the API, with no transaction open:
    `process_one_event` takes it). Returns how many events it took."""
    taken = 0
    # On PostgreSQL one at a time: two workers whose batches lock the same objects in another order
    # deadlock (a batch holds its objects' rows until its commit), and PostgreSQL has no single
    # write lock for batches to spare.
    batch = 1 if store.postgres else EVENT_BATCH
    with store.transaction():
        while taken < batch:
            row = store.next_event()
            if row is None or is_paid_payout(row[1]):
                break
            event_id, body, _ = row
            taken += 1
            try:
                with store.savepoint():
                    apply_event(store, event_id, parse_event(body))
                    finish_event(store, event_id, pause_seconds)
                    pause_seconds = 0.0
            except Exception as error:
                if store.is_unavailable(error):
                    raise  # the store's trouble, not the event's: the batch rolls back
                category, failure = _category(error, event_id)
                record_failure_in(store, event_id, category, failure, time_scale)
    return taken


def is_paid_payout(body: str) -> bool:
    """Whether an event is a paid payout's (whose items come from the API); a malformed one is not."""
    try:
        obj = parse_event(body)["data"]["object"]
        return obj.get("object") == "payout" and obj.get("status") == "paid"
    except Exception:  # noqa: BLE001 (processing records what is wrong with it)
        return False


def process_one_event(store: Store, gateway: str, time_scale: float = 1.0, pause_seconds: float = 0.0,
                      pause_before_failure: float = 0.0) -> bool:
    """Folds the oldest due event into its object, in one transaction with its processed mark.

    No call to the gateway is made inside a transaction (on SQLite it would hold the write lock,
    and so the receiver's inserts, for a network call): an event that needs the API (a paid
    payout's items) is read and leased, the call made with no transaction open, and the event is
    then folded in a transaction that takes it again only if it is still due.

    Whatever processing raises is recorded on the event, and the worker goes on with the next one
    (a poison event must not stop the events behind it): a failed API call is retried on paywit's
    API schedule and, after the last attempt, marked failed; a malformed event, or any other
    exception (its traceback logged; `processing-error (<type>)`), is marked failed at once. The
    dashboard's replay, or a redelivery, requeues a failed event."""
    row = None
    try:
        with store.transaction():
            row = store.next_event()
            if row is None:
                return False
            event_id, body, _ = row
            event = parse_event(body)
            obj = event["data"]["object"]
            paid_payout = obj.get("object") == "payout" and obj.get("status") == "paid"
            if not paid_payout:
                apply_event(store, event_id, event)
                finish_event(store, event_id, pause_seconds)
                return True
            # A lease while the API is called: other workers leave the event alone meanwhile (and
            # take it after the lease if this one dies).
            store.execute("UPDATE inbox SET next_attempt_at = ? WHERE event_id = ?", (now() + FETCH_LEASE_SECONDS, event_id))
        # The event is thin, as Stripe's: the payout's items are listed from the API, outside any transaction.
        payout = fetch(gateway, f"/v1/payouts/{obj['id']}")
        with store.transaction():
            if store.take_event(event_id) is None:
                return True  # processed, given up or being processed by another worker meanwhile
            apply_event(store, event_id, event, payout)
            finish_event(store, event_id, pause_seconds)
            return True
    except Exception as error:
        if row is None or store.is_unavailable(error):
            # The store itself failed (no event taken, or disk, lock or connection trouble): not the
            # event's fault, so not a failure of it. The main loop logs it, pauses, and goes on.
            raise
        category, failure = _category(error, event_id)
        if pause_before_failure:
            print(f"worker: paused before recording the failure of {event_id}", flush=True)
            time.sleep(pause_before_failure)
        record_failure(store, event_id, category, failure, time_scale)
        return True


def _category(error: Exception, event_id: str) -> Tuple[str, Optional[paywit.Failure]]:
    """A processing failure's category and, for a failed API call, what paywit's schedule needs;
    anything unexpected is logged with its traceback."""
    if isinstance(error, ProcessingFailed):
        return error.category, error.failure
    print(f"worker: processing {event_id} raised:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
    return f"processing-error ({type(error).__name__})", None


def finish_event(store: Store, event_id: str, pause_seconds: float) -> None:
    """Inside the event's transaction: marks it processed (and logs the attempt)."""
    if pause_seconds:
        print(f"worker: paused inside the transaction of {event_id}", flush=True)
        time.sleep(pause_seconds)
    store.execute("UPDATE inbox SET processed_at = ?, error = NULL WHERE event_id = ?", (now(), event_id))
    store.execute("INSERT INTO attempts VALUES (?, ?, 'processed', NULL)", (now(), event_id))


def record_failure(store: Store, event_id: str, category: str, failure: Optional[paywit.Failure], time_scale: float) -> None:
    """Records a failed attempt on the event (its own transaction: the attempt's was rolled back),
    only if the event is still due: another worker may have processed it, or given it up, since
    (a failure is never written over a success). `failure` None: not retried, marked failed."""
    with store.transaction():
        record_failure_in(store, event_id, category, failure, time_scale)


def record_failure_in(store: Store, event_id: str, category: str, failure: Optional[paywit.Failure], time_scale: float) -> None:
    """Inside a transaction: `record_failure`'s writes."""
    row = store.take_event(event_id)
    if row is None:
        return
    attempts = row[0] + 1
    retry_after_ms = None if failure is None else _retry_after_ms(paywit.next_step(paywit.api_policy(), attempts, failure))
    if retry_after_ms is None:
        store.execute("UPDATE inbox SET attempts = ?, failed_at = ?, error = ? WHERE event_id = ?",
                      (attempts, now(), category, event_id))
    else:
        store.execute("UPDATE inbox SET attempts = ?, next_attempt_at = ?, error = ? WHERE event_id = ?",
                      (attempts, now() + retry_after_ms / 1000 / time_scale, category, event_id))
    outcome = "failed" if retry_after_ms is None else "retrying"
    store.execute("INSERT INTO attempts VALUES (?, ?, ?, ?)", (now(), event_id, outcome, category))


# The largest `created` taken (2^53 - 1, the integers JSON numbers hold exactly everywhere): it goes
# into a BIGINT column and, as seconds elapsed, into paywit's poll backstop (s64).
MAX_TIMESTAMP = 2**53 - 1


def parse_event(body: str) -> dict:
    """The event, with the fields the worker uses checked; raises ProcessingFailed('malformed-event')."""
    try:
        event = json.loads(body)
    except ValueError as error:
        raise ProcessingFailed("malformed-event") from error
    data = event.get("data") if isinstance(event, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    created = event.get("created") if isinstance(event, dict) else None
    if (not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"]
            or not isinstance(event.get("type"), str) or not isinstance(event.get("source", "stripe"), str)
            or not isinstance(obj.get("status"), (str, type(None))) or not isinstance(obj.get("object"), (str, type(None)))
            or isinstance(created, bool) or not isinstance(created, (int, float))
            or not (math.isfinite(created) and 0 <= created <= MAX_TIMESTAMP)):
        raise ProcessingFailed("malformed-event")
    return event


def apply_event(store: Store, event_id: str, event: dict, payout: Optional[dict] = None) -> None:
    """Inside a transaction: what one (parsed) event does to the store, `payout` its paid payout
    as the API lists it; raises ProcessingFailed for what paywit refuses."""
    obj = event["data"]["object"]
    try:
        incoming = paywit.map_event(event.get("source", "stripe"), event["type"], obj.get("status"))
    except paywit.PaywitError as error:
        raise ProcessingFailed("malformed-event") from error
    if incoming is not None:
        fold(store, event_id, obj["id"], incoming, int(event["created"]))
    if payout is not None:
        try:
            reconcile(store, payout)
        except (ValueError, KeyError, TypeError, paywit.PaywitError) as error:
            raise ProcessingFailed("malformed-event") from error


def fetch(gateway: str, path: str) -> dict:
    """GETs one object from the gateway's API; raises ProcessingFailed with paywit's category."""
    try:
        with urllib.request.urlopen(f"{gateway}{path}", timeout=2) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        failure = _failure(error)
        raise ProcessingFailed(paywit.classify(failure).category.value, failure) from error


def fold(store: Store, event_id: Optional[str], object_id: str, incoming: paywit.State, at: int) -> None:
    """Inside a transaction: applies one state to its object; `event_id` None for a poll (not counted)."""
    # The row exists (empty status: no state yet) and is locked before it is read, so folds of
    # one object by concurrent workers take turns instead of overwriting each other.
    store.execute("INSERT INTO objects (id, kind, status, events_applied, last_event_at) VALUES (?, '', '', 0, 0) "
                  "ON CONFLICT DO NOTHING", (object_id,))
    kind, status = store.object_state(object_id) or ("", "")
    current = state_of(kind, status) if kind else None
    outcome = paywit.apply(current, incoming)
    counted = 1 if event_id else 0
    state = outcome.value if isinstance(outcome, (paywit.OutcomeAdvanced, paywit.OutcomeReversed)) else current
    new_kind, new_status = kind_status(state) if state is not None else ("", "")
    store.execute(f"UPDATE objects SET kind = ?, status = ?, events_applied = events_applied + ?, "
                  f"last_event_at = {store.greatest()}(last_event_at, ?) WHERE id = ?",
                  (new_kind, new_status, counted, at, object_id))
    if isinstance(outcome, paywit.OutcomeReversed) and event_id:
        store.execute("INSERT INTO alerts VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                      (event_id, object_id, f"{status if current else '?'} -> {new_status}"))
    if isinstance(outcome, paywit.OutcomeRejected) and event_id:
        store.execute("INSERT INTO operator_queue VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                      (event_id, object_id, outcome.value._wit_case))


# paywit's lifecycle states as the store keeps them: (kind, status) strings.
_STATES = {"payment": (paywit.StatePayment, paywit.PaymentStatus), "refund": (paywit.StateRefund, paywit.RefundStatus),
           "dispute": (paywit.StateDispute, paywit.DisputeStatus), "payout": (paywit.StatePayout, paywit.PayoutStatus),
           "invoice": (paywit.StateInvoice, paywit.InvoiceStatus)}


def state_of(kind: str, status: str) -> paywit.State:
    case, statuses = _STATES[kind]
    return case(value=statuses(status))  # type: ignore[call-arg]


def kind_status(state: paywit.State) -> Tuple[str, str]:
    return state._wit_case, state.value.value  # type: ignore[attr-defined]


def _retry_after_ms(step: paywit.Step) -> Optional[int]:
    return step.value if isinstance(step, paywit.StepRetryAfterMs) else None


def reconcile(store: Store, payout: dict) -> None:
    """Inside a transaction: checks a paid payout against its items and the payments this
    receiver knows succeeded (paywit's reconcile_payout), and keeps the report."""
    items = [paywit.PayoutItem(id=i["id"], kind=i["kind"], amount=str(i["amount"])) for i in payout.get("items", [])]
    known = [row[0] for row in store.all("SELECT id FROM objects WHERE kind = 'payment' AND status = 'succeeded'")]
    expected = [i.id for i in items if i.id in set(known)]
    report = paywit.reconcile_payout(str(payout["amount"]), items, expected)
    store.execute("INSERT INTO payouts VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET match = excluded.match, "
                  "difference = excluded.difference, missing = excluded.missing, unexpected = excluded.unexpected",
                  (payout["id"], str(payout["amount"]), report.result._wit_case, getattr(report.result, "value", None),
                   len(report.missing), len(report.unexpected)))


def _failure(error: BaseException) -> paywit.Failure:
    if isinstance(error, urllib.error.HTTPError):
        return paywit.Failure(status=error.code, retry_after=error.headers.get("retry-after"))
    if isinstance(error, (socket.timeout, TimeoutError)):
        return paywit.Failure(transport=paywit.TransportError.TIMEOUT)
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, ConnectionRefusedError):
        return paywit.Failure(transport=paywit.TransportError.CONNECTION_REFUSED)
    return paywit.Failure(transport=paywit.TransportError.CONNECTION_RESET)


ORDER_LEASE_SECONDS = 10
# The whole gateway call, well inside the lease (urlopen's timeout bounds each read, not the call).
CHARGE_DEADLINE_SECONDS = 5


def charge_one_order(store: Store, gateway: str, time_scale: float) -> bool:
    """Makes (or retries, with the same key) the charge of the next due order. Several workers
    may run: a worker claims the order first (status 'charging', a lease), so no two call at once,
    and writes the outcome only while the lease is still its own: a worker whose call outlived
    its lease (another has taken the order since) drops its answer instead of overwriting."""
    lock = " FOR UPDATE SKIP LOCKED" if store.postgres else ""
    with store.transaction():
        row = store.one("SELECT id, idempotency_key, amount, card, attempts FROM orders WHERE status IN "
                        "('pending', 'retrying', 'charging') AND next_attempt_at <= ? ORDER BY id LIMIT 1" + lock, (now(),))
        if row is not None:
            # A lease: if this worker dies mid-call, another retries after it, with the same key.
            lease = now() + ORDER_LEASE_SECONDS
            store.execute("UPDATE orders SET status = 'charging', next_attempt_at = ? WHERE id = ?", (lease, row[0]))
    if row is None:
        return False
    order_id, key, amount, card, attempts = row

    def settle(assignments: str, values: tuple) -> None:
        """`UPDATE orders SET <assignments>` for this order, only while this worker's lease holds."""
        store.execute(f"UPDATE orders SET {assignments} WHERE id = ? AND status = 'charging' AND next_attempt_at = ?",
                      values + (order_id, lease))

    try:
        intent = _charge(gateway, key, amount, card)
        status = "charged" if intent["status"] == "succeeded" else str(intent["status"])
        settle("status = ?, attempts = ?, payment_intent = ?", (status, attempts + 1, str(intent["id"])))
        return True
    except urllib.error.HTTPError as error:
        failure: paywit.Failure = _failure(error)
        if error.code == 402:
            body = _json_object(error.read())
            declined = body.get("error") if isinstance(body.get("error"), dict) else {}
            intent = declined.get("payment_intent") if isinstance(declined.get("payment_intent"), dict) else {}
            settle("status = 'declined', attempts = ?, detail = ?, payment_intent = ?",
                   (attempts + 1, str(declined.get("code")), intent.get("id") and str(intent["id"])))
            return True
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError, TimeoutError) as error:
        failure = _failure(error)
    except (KeyError, TypeError, AttributeError):
        # A 2xx whose answer is not a payment intent: counted as a failed attempt, retried on the
        # schedule like a server error, so the order never sits in 'charging' forever.
        failure = paywit.Failure(status=502)
    category = paywit.classify(failure).category.value  # kept with the order, for the operator
    step = paywit.next_step(paywit.api_policy(), attempts + 1, failure)
    if isinstance(step, paywit.StepGiveUp):
        settle("status = 'failed', attempts = ?, detail = ?", (attempts + 1, f"{step.value._wit_case}: {category}"))
    else:
        settle("status = 'retrying', attempts = ?, next_attempt_at = ?, detail = ?",
               (attempts + 1, now() + step.value / 1000 / time_scale, category))
    return True


def _charge(gateway: str, key: str, amount: int, card: str) -> dict:
    """POSTs the charge with its idempotency key; the whole call ends within CHARGE_DEADLINE_SECONDS."""
    request = urllib.request.Request(f"{gateway}/v1/payment_intents", method="POST",
                                     data=json.dumps({"amount": amount, "currency": "usd", "card": card}).encode(),
                                     headers={"content-type": "application/json", "idempotency-key": key})
    deadline = time.monotonic() + CHARGE_DEADLINE_SECONDS
    with urllib.request.urlopen(request, timeout=2) as response:
        answer = bytearray()
        while chunk := response.read1(65536):
            answer += chunk
            if time.monotonic() > deadline or len(answer) > 1 << 20:
                raise TimeoutError("the gateway's answer took longer than the charge deadline")
        intent = json.loads(answer)
    if not isinstance(intent, dict):
        raise KeyError("status")
    return intent


def _json_object(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def poll_one_object(store: Store, gateway: str, time_scale: float) -> bool:
    """The polling backstop: fetches one in-flight object whose events are overdue and folds its state."""
    for object_id, kind, status, last_event_at in store.all(
            "SELECT id, kind, status, last_event_at FROM objects WHERE kind IN ('payment', 'refund', 'payout')"):
        elapsed = (now() - last_event_at) * time_scale
        decision = paywit.poll_backstop(state_of(kind, status), 0, now=int(elapsed))
        if not isinstance(decision, paywit.PollDecisionPollNow):
            continue
        try:
            obj = fetch(gateway, f"/v1/{API_PATHS[kind]}/{object_id}")
        except ProcessingFailed:
            return False  # retried on the next pass
        state = paywit.map_event("btcpay" if obj["object"] == "invoice" else "stripe", f"{obj['object']}.updated", obj.get("status"))
        with store.transaction():
            if state is not None:
                fold(store, None, object_id, state, int(now()))
            store.execute("UPDATE objects SET last_event_at = ? WHERE id = ?", (int(now()), object_id))
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="receiver.sqlite", help="a SQLite file, or a postgresql:// URL")
    parser.add_argument("--gateway", default="http://127.0.0.1:8787")
    parser.add_argument("--time-scale", type=float, default=100.0, help="how much faster retries and polls run")
    parser.add_argument("--pause-after-apply", type=float, default=0.0,
                        help="chaos test hook: sleep inside the first event's transaction")
    parser.add_argument("--pause-before-recording-failure", type=float, default=0.0,
                        help="chaos test hook: sleep after a failed attempt, before recording it")
    args = parser.parse_args()
    store = Store(args.db)
    print("worker: started", flush=True)
    pause = args.pause_after_apply
    while True:
        try:
            started = time.monotonic()
            did = process_events(store, args.time_scale, pause) > 0
            if did:
                pause = 0.0  # the hook pauses in the first event's transaction only
            if did and not store.postgres:
                # Under a backlog the worker would hold SQLite's write lock nearly all the time, and
                # the receiver's inserts, asleep in SQLite's busy handler, would rarely find it free:
                # the worker leaves the lock free as long as it held it (at most half the time).
                time.sleep(min(time.monotonic() - started, 0.05))
            else:
                did = process_one_event(store, args.gateway, args.time_scale, pause, args.pause_before_recording_failure)
            pause = 0.0 if did else pause
            did = charge_one_order(store, args.gateway, args.time_scale) or did
            if not did:
                poll_one_object(store, args.gateway, args.time_scale)
                time.sleep(0.02)
        except Exception:
            # The store failed (an event's own failures are recorded on it): logged, a new
            # connection, and the worker goes on after a pause.
            print(f"worker: a pass failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            time.sleep(1)
            try:
                store.close()
            except Exception:
                pass
            try:
                store = Store(args.db)
            except Exception:
                print(f"worker: the store cannot be opened:\n{traceback.format_exc()}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
