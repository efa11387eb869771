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
import socket
import sys
import time
import urllib.error
import urllib.request
from typing import Optional

import paywit
from store import Store, now

API_PATHS = {"payment": "payment_intents", "refund": "refunds", "payout": "payouts"}


class ProcessingFailed(Exception):
    """An event that could not be processed now: `category` says why (paywit's retry
    category for a failed API call, `malformed-event` for an event that can never be)."""

    def __init__(self, category: str, failure: Optional[paywit.Failure] = None) -> None:
        super().__init__(category)
        self.category, self.failure = category, failure


def process_one_event(store: Store, gateway: str, time_scale: float = 1.0, pause_seconds: float = 0.0) -> bool:
    """Folds the oldest due event into its object, in one transaction with its processed mark.
    A failure rolls all of it back; the event is retried on paywit's API schedule, and after
    the last attempt it is marked failed (the dashboard's replay, or a redelivery, requeues it)."""
    try:
        with store.transaction():
            row = store.next_event()
            if row is None:
                return False
            event_id, body, attempts = row
            apply_event(store, gateway, event_id, body)
            if pause_seconds:
                print(f"worker: paused inside the transaction of {event_id}", flush=True)
                time.sleep(pause_seconds)
            store.execute("UPDATE inbox SET processed_at = ?, error = NULL WHERE event_id = ?", (now(), event_id))
            store.execute("INSERT INTO attempts VALUES (?, ?, 'processed', NULL)", (now(), event_id))
            return True
    except ProcessingFailed as failed:
        with store.transaction():
            if failed.failure is None:
                retry_after_ms = None
            else:
                retry_after_ms = paywit.next_step(paywit.api_policy(), attempts + 1, failed.failure).retry_after_ms
            if retry_after_ms is None:
                store.execute("UPDATE inbox SET attempts = ?, failed_at = ?, error = ? WHERE event_id = ?",
                              (attempts + 1, now(), failed.category, event_id))
            else:
                store.execute("UPDATE inbox SET attempts = ?, next_attempt_at = ?, error = ? WHERE event_id = ?",
                              (attempts + 1, now() + retry_after_ms / 1000 / time_scale, failed.category, event_id))
            outcome = "failed" if retry_after_ms is None else "retrying"
            store.execute("INSERT INTO attempts VALUES (?, ?, ?, ?)", (now(), event_id, outcome, failed.category))
        return True


def apply_event(store: Store, gateway: str, event_id: str, body: str) -> None:
    """Inside a transaction: what one event does to the store; raises ProcessingFailed."""
    try:
        event = json.loads(body)
        obj = event["data"]["object"]
        incoming = paywit.map_event(event.get("source", "stripe"), event["type"], obj.get("status"))
        if incoming is not None:
            fold(store, event_id, obj["id"], incoming, int(event["created"]))
        if obj.get("object") == "payout" and obj.get("status") == "paid":
            # The event is thin, as Stripe's: the payout's items are listed from the API.
            reconcile(store, fetch(gateway, f"/v1/payouts/{obj['id']}"))
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
    current = paywit.State(kind, status) if kind else None
    outcome = paywit.apply(current, incoming)
    counted = 1 if event_id else 0
    state = outcome.state if outcome.outcome in ("advanced", "reversed") else current
    store.execute(f"UPDATE objects SET kind = ?, status = ?, events_applied = events_applied + ?, "
                  f"last_event_at = {store.greatest()}(last_event_at, ?) WHERE id = ?",
                  (state.kind, state.status, counted, at, object_id))
    if outcome.outcome == "reversed" and event_id:
        store.execute("INSERT INTO alerts VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                      (event_id, object_id, f"{current.status if current else '?'} -> {outcome.state.status}"))
    if outcome.outcome == "rejected" and event_id:
        store.execute("INSERT INTO operator_queue VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (event_id, object_id, outcome.reason))


def reconcile(store: Store, payout: dict) -> None:
    """Inside a transaction: checks a paid payout against its items and the payments this
    receiver knows succeeded (paywit's reconcile_payout), and keeps the report."""
    items = [paywit.PayoutItem(i["id"], i["kind"], str(i["amount"])) for i in payout.get("items", [])]
    known = [row[0] for row in store.all("SELECT id FROM objects WHERE kind = 'payment' AND status = 'succeeded'")]
    expected = [i.id for i in items if i.id in set(known)]
    report = paywit.reconcile_payout(str(payout["amount"]), items, expected)
    store.execute("INSERT INTO payouts VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET match = excluded.match, "
                  "difference = excluded.difference, missing = excluded.missing, unexpected = excluded.unexpected",
                  (payout["id"], str(payout["amount"]), report.match, report.difference, len(report.missing), len(report.unexpected)))


def _failure(error: BaseException) -> paywit.Failure:
    if isinstance(error, urllib.error.HTTPError):
        return paywit.Failure(status=error.code, retry_after=error.headers.get("retry-after"))
    if isinstance(error, (socket.timeout, TimeoutError)):
        return paywit.Failure(transport=paywit.TransportError.TIMEOUT)
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, ConnectionRefusedError):
        return paywit.Failure(transport=paywit.TransportError.CONNECTION_REFUSED)
    return paywit.Failure(transport=paywit.TransportError.CONNECTION_RESET)


def charge_one_order(store: Store, gateway: str, time_scale: float) -> bool:
    """Makes (or retries, with the same key) the charge of the next due order. Several workers
    may run: a worker claims the order first (status 'charging'), so no two call at once."""
    lock = " FOR UPDATE SKIP LOCKED" if store.postgres else ""
    with store.transaction():
        row = store.one("SELECT id, idempotency_key, amount, card, attempts FROM orders WHERE status IN "
                        "('pending', 'retrying', 'charging') AND next_attempt_at <= ? ORDER BY id LIMIT 1" + lock, (now(),))
        if row is not None:
            # A lease: if this worker dies mid-call, another retries after it, with the same key.
            store.execute("UPDATE orders SET status = 'charging', next_attempt_at = ? WHERE id = ?", (now() + 10, row[0]))
    if row is None:
        return False
    order_id, key, amount, card, attempts = row
    request = urllib.request.Request(f"{gateway}/v1/payment_intents", method="POST",
                                     data=json.dumps({"amount": amount, "currency": "usd", "card": card}).encode(),
                                     headers={"content-type": "application/json", "idempotency-key": key})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            intent = json.loads(response.read())
        status = "charged" if intent["status"] == "succeeded" else intent["status"]
        store.execute("UPDATE orders SET status = ?, attempts = ?, payment_intent = ? WHERE id = ?",
                      (status, attempts + 1, intent["id"], order_id))
        return True
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        failure = _failure(error)
        if isinstance(error, urllib.error.HTTPError) and error.code == 402:
            body = json.loads(error.read() or b"{}").get("error", {})
            store.execute("UPDATE orders SET status = 'declined', attempts = ?, detail = ?, payment_intent = ? WHERE id = ?",
                          (attempts + 1, body.get("code"), body.get("payment_intent", {}).get("id"), order_id))
            return True
        category = paywit.classify(failure).category.value  # kept with the order, for the operator
        step = paywit.next_step(paywit.api_policy(), attempts + 1, failure)
        if step.retry_after_ms is None:
            store.execute("UPDATE orders SET status = 'failed', attempts = ?, detail = ? WHERE id = ?",
                          (attempts + 1, f"{step.give_up}: {category}", order_id))
        else:
            store.execute("UPDATE orders SET status = 'retrying', attempts = ?, next_attempt_at = ?, detail = ? WHERE id = ?",
                          (attempts + 1, now() + step.retry_after_ms / 1000 / time_scale, category, order_id))
        return True


def poll_one_object(store: Store, gateway: str, time_scale: float) -> bool:
    """The polling backstop: fetches one in-flight object whose events are overdue and folds its state."""
    for object_id, kind, status, last_event_at in store.all(
            "SELECT id, kind, status, last_event_at FROM objects WHERE kind IN ('payment', 'refund', 'payout')"):
        elapsed = (now() - last_event_at) * time_scale
        decision = paywit.poll_backstop(paywit.State(kind, status), 0, now=int(elapsed))
        if decision.action != "poll-now":
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
    args = parser.parse_args()
    store = Store(args.db)
    print("worker: started", flush=True)
    pause = args.pause_after_apply
    while True:
        did = process_one_event(store, args.gateway, args.time_scale, pause)
        pause = 0.0 if did else pause
        did = charge_one_order(store, args.gateway, args.time_scale) or did
        if not did:
            poll_one_object(store, args.gateway, args.time_scale)
            time.sleep(0.02)


if __name__ == "__main__":
    sys.exit(main())
