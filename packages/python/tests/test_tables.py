"""The Python wrappers' shapes over every interface (the expected answers themselves
are the shared tables in host-tests/tables, run by test_shared_tables.py)."""
import itertools
import re
import threading

import pytest

import paywit

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_typed_errors_never_echo_secrets():
    headers = paywit.sign_webhook("standard-webhooks", SECRET, "{}", id="msg_1", signed_at=1000)
    with pytest.raises(paywit.TimestampOutsideToleranceError) as info:
        paywit.verify_webhook("standard-webhooks", SECRET, headers, "{}", now=2000)
    assert info.value.details == {"seconds_outside": 700, "direction": "past", "tolerance_seconds": 300}
    with pytest.raises(paywit.UnusableSecretError) as info:
        paywit.verify_webhook("standard-webhooks", [SECRET, "whsec_!!bad!!"], headers, "{}", now=1000)
    assert info.value.details == {"index": 1, "problem": "bad-encoding"}
    assert "bad" not in str(info.value).replace("bad-encoding", "")
    with pytest.raises(paywit.MissingHeaderError):
        paywit.verify_webhook("stripe", "k", {}, "{}")
    with pytest.raises(ValueError):
        paywit.verify_webhook("nope", "k", {}, "{}")
    rotated = paywit.verify_webhook("standard-webhooks", ["whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", SECRET], headers, b"{}", now=1000)
    assert rotated == paywit.Verified(1, "msg_1", 1000)


def test_every_scheme_round_trips():
    for info in paywit.schemes():
        secret = paywit.new_secret(info.scheme)
        body = '{"b":1,"a":"é"}' if info.name == "nowpayments" else "héllo"
        headers = paywit.sign_webhook(info.scheme, secret, body, id="msg_1", signed_at=1_700_000_000, url="https://x.test/h")
        assert paywit.verify_webhook(info.scheme, secret, headers, body, now=1_700_000_000, url="https://x.test/h").secret_index == 0
    pair = paywit.new_signing_key_pair()
    assert paywit.public_key(pair.signing_key) == pair.public_key
    assert pair.signing_key not in repr(pair)


def test_idempotency():
    key = paywit.new_idempotency_key()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", key)
    assert paywit.parse_idempotency_key(f'"{key}"') == key
    with pytest.raises(paywit.IdempotencyKeyError) as info:
        paywit.parse_idempotency_key("a b")
    assert (info.value.code, info.value.details) == ("invalid-character", 1)
    fp = paywit.fingerprint("POST", "/v1/charges", '{"b":1, "a":2}')
    assert fp == paywit.fingerprint("post", "/v1/charges", b'{"a":2,"b":1}')
    stored = lambda completed: paywit.StoredKey(fp, 100, completed, "r1")
    D = paywit.DecisionKind
    assert paywit.decide(key, None, fp, now=200) == paywit.Decision(D.EXECUTE, "new-key")
    assert paywit.decide(key, stored(True), fp, now=200) == paywit.Decision(D.REPLAY, "r1")
    assert paywit.decide(key, stored(False), fp, now=200) == paywit.Decision(D.IN_PROGRESS)
    assert paywit.decide(key, stored(True), "other", now=200) == paywit.Decision(D.MISMATCH)
    assert paywit.decide(None, None, fp, now=200) == paywit.Decision(D.MISSING_KEY)
    assert paywit.decide(key, stored(True), fp, now=100 + 86400) == paywit.Decision(D.EXECUTE, "expired-key")
    assert paywit.problem_for(paywit.Decision(D.MISMATCH)).status == 422
    stripe_flavour = paywit.KeyPolicy(mismatch_status=paywit.MismatchStatus.BAD_REQUEST)
    assert paywit.problem_for(paywit.Decision(D.MISMATCH), stripe_flavour).status == 400
    assert paywit.problem_for(paywit.Decision(D.REPLAY, "r1")) is None
    assert paywit.default_key_policy() == paywit.KeyPolicy()
    with pytest.raises(paywit.PolicyError):
        paywit.decide(key, None, fp, policy=paywit.KeyPolicy(retention_seconds=5))


# The guide's whole retry table is host-tests/tables/retry.json (run by every host);
# these rows check the wrapper's shapes (dataclass in, enum and bools out).
GUIDE_ROWS = [
    (paywit.Failure(status=402, error_code="card_declined"), paywit.Category.PAYMENT_DECLINED, False),
    (paywit.Failure(transport=paywit.TransportError.CONNECTION_RESET), paywit.Category.TRANSPORT, True),
]


@pytest.mark.parametrize("failure,category,retry", GUIDE_ROWS)
def test_guide_retry_table(failure, category, retry):
    c = paywit.classify(failure)
    assert (c.category, c.retry, c.reuse_idempotency_key) == (category, retry, retry)


def test_backoff():
    api = paywit.api_policy()
    assert api.schedule == ("explicit", [1000, 3000, 10000, 30000, 120000, 600000])
    assert 500 <= paywit.next_step(api, 1, paywit.Failure(status=503), now=0).retry_after_ms <= 1000
    assert paywit.next_step(api, 7, paywit.Failure(status=503), now=0, random=1).give_up == "attempts-exhausted"
    declined = paywit.next_step(api, 1, paywit.Failure(status=402), now=0)
    assert (declined.give_up, declined.category) == ("not-retryable", paywit.Category.PAYMENT_DECLINED)
    assert paywit.next_step(api, 1, paywit.Failure(status=429, retry_after="20"), now=0, random=0).retry_after_ms == 20000
    expo = paywit.RetryPolicy(("exponential", {"base_ms": 100, "multiplier": 2.5, "cap_ms": 10_000}), 10, "none", 60_000)
    assert [paywit.next_step(expo, n, paywit.Failure(status=500), now=0, random=7).retry_after_ms for n in range(1, 6)] == [100, 250, 625, 1562, 3906]
    assert paywit.parse_retry_after("120", 0) == 120000
    assert paywit.parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", 784111777) == 60000
    assert paywit.parse_retry_after("soon") is None


def test_lifecycles_converge_in_every_order():
    events = [paywit.State("payment", s) for s in ("processing", "succeeded", "created", "failed", "succeeded")]

    def fold(order):
        current = None
        for event in order:
            outcome = paywit.apply(current, event)
            current = outcome.state or current
        return current

    for order in itertools.permutations(events):
        assert fold(order) == paywit.State("payment", "succeeded")
    assert paywit.apply(paywit.State("payout", "paid"), paywit.State("payout", "failed")) == paywit.Outcome("reversed", paywit.State("payout", "failed"))
    assert paywit.apply(paywit.State("payout", "paid"), paywit.State("refund", "failed")).reason == "kind-mismatch"
    assert paywit.map_event("btcpay", "InvoicePaidAfterExpiration") == paywit.State("invoice", "paid-late")
    assert paywit.map_event(paywit.Gateway.STRIPE, "customer.created") is None
    assert paywit.assess_payment("10000", "9949", basis_points=50) == paywit.Assessment("underpaid", "51", False)
    assert paywit.assess_payment("5", "5") == paywit.Assessment("exact")
    with pytest.raises(paywit.AmountError) as info:
        paywit.parse_amount("1.5")
    assert info.value.code == "invalid-character"
    with pytest.raises(paywit.RefundError) as info:
        paywit.refundable("10000", "7500", "2501")
    assert info.value.details == "2500"
    assert paywit.refundable("10000", "7500", "2500") == paywit.RefundAllowance("2500", "0")
    assert paywit.confirmation_status(1, 6) == (False, 5)
    assert paywit.required_confirmations("high-speed", True) == 1


def test_threads_get_their_own_instances():
    errors = []

    def worker(n):
        try:
            for i in range(50):
                body = f'{{"n":{n},"i":{i}}}'
                headers = paywit.sign_webhook("stripe", f"secret-{n}", body, signed_at=1_700_000_000)
                assert paywit.verify_webhook("stripe", f"secret-{n}", headers, body, now=1_700_000_000).secret_index == 0
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
