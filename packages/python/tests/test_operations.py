"""Signed API requests, credentials, reconciliation, addresses and alerts through
the Python package: the address vectors and the same tables as the Rust harness."""
import json

import pytest

import paywit
from conftest import VECTORS

ADDRESSES = json.loads((VECTORS / "addresses.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("v", ADDRESSES["valid"], ids=lambda v: v["address"][:24])
def test_valid_addresses(v):
    info = paywit.validate_address(v["network"], v["address"])
    if "kind" in v:
        assert info.kind == v["kind"]


@pytest.mark.parametrize("v", ADDRESSES["invalid"], ids=lambda v: v["address"][:24])
def test_invalid_addresses(v):
    with pytest.raises(paywit.AddressError) as info:
        paywit.validate_address(v["network"], v["address"])
    if "error" in v:
        assert info.value.code == v["error"]


def test_address_vector_count():
    assert len(ADDRESSES["valid"]) + len(ADDRESSES["invalid"]) == 37


def test_address_answers():
    assert paywit.validate_address(paywit.Network.BITCOIN_MAINNET, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2") == paywit.AddressInfo("p2pkh", True)
    eth = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert paywit.validate_address("ethereum", eth) == paywit.AddressInfo("ethereum", True)
    assert paywit.validate_address("ethereum", eth.lower()) == paywit.AddressInfo("ethereum", False)
    with pytest.raises(paywit.AddressError) as info:
        paywit.validate_address("ethereum", eth.replace("a", "A", 1))
    assert info.value.code == "bad-checksum"
    with pytest.raises(paywit.AddressError) as info:
        paywit.validate_address("bitcoin-testnet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
    assert info.value.code == "wrong-network"
    with pytest.raises(ValueError):
        paywit.validate_address("dogecoin", "D...")


NOW = 1_700_000_000
BODY = '{"charge":"ch_1","amount":500}'


def signed():
    return paywit.sign_request("key_1", "s3cret", method="POST", path="/v1/refunds?x=1", body=BODY, timestamp=NOW,
                               nonce="0123456789abcdef0123")


def test_signed_request_round_trip():
    headers = signed()
    assert len(headers) == 5 and all(name.lower().startswith("x-paywit-") for name in headers)
    assert "s3cret" not in json.dumps(headers)
    ok = paywit.verify_request({"key_1": "s3cret"}, method="POST", path="/v1/refunds?x=1", headers=headers, body=BODY, now=NOW + 10)
    assert ok == paywit.VerifiedRequest("key_1", NOW, "0123456789abcdef0123")
    rotated = [paywit.ApiSecret("key_1", "old"), paywit.ApiSecret("key_1", "s3cret")]
    assert paywit.verify_request(rotated, method="POST", path="/v1/refunds?x=1", headers=headers, body=BODY.encode(), now=NOW).key_id == "key_1"
    assert "s3cret" not in repr(rotated)


@pytest.mark.parametrize("change, code", [
    (dict(path="/v1/refunds"), "no-matching-signature"),
    (dict(method="PUT"), "no-matching-signature"),
    (dict(body="{}"), "content-mismatch"),
    (dict(now=NOW + 310), "timestamp-outside-tolerance"),
    (dict(secrets={"key_2": "s3cret"}), "unknown-key-id"),
    (dict(secrets={"key_1": "other"}), "no-matching-signature"),
])
def test_signed_request_refusals(change, code):
    args = dict(secrets={"key_1": "s3cret"}, method="POST", path="/v1/refunds?x=1", headers=signed(), body=BODY, now=NOW)
    args.update(change)
    secrets = args.pop("secrets")
    with pytest.raises(paywit.RequestVerificationError) as info:
        paywit.verify_request(secrets, **args)
    assert info.value.code == code
    if code == "timestamp-outside-tolerance":
        assert info.value.details == 10
    assert "s3cret" not in str(info.value)


def test_default_nonce_is_fresh():
    a = paywit.sign_request("k", "s", method="GET", path="/", timestamp=NOW)
    b = paywit.sign_request("k", "s", method="GET", path="/", timestamp=NOW)
    nonce = [n for n in a if n.lower().endswith("nonce")][0]
    assert a[nonce] != b[nonce]


@pytest.mark.parametrize("key, provider, kind, mode", [
    ("sk_live_abc", "stripe", "secret", "live"),
    ("mystery", "", "unknown", "unknown"),
])
def test_classify_key(key, provider, kind, mode):
    info = paywit.classify_key(key)
    assert info == paywit.KeyInfo(provider, paywit.KeyKind(kind), paywit.KeyMode(mode))
    assert key not in repr(info)


@pytest.mark.parametrize("key, placement, refusal", [
    ("sk_test_abc", paywit.KeyPlacement.BROWSER, "secret-in-browser"),
    ("mystery", "browser", "unrecognised-in-browser"),
    ("sk_live_abc", "test-environment", "live-key-in-test"),
    ("sk_test_abc", "production-environment", "test-key-in-production"),
    ("pk_live_abc", "browser", None),
    ("sk_live_abc", "server", None),
])
def test_key_placement(key, placement, refusal):
    if refusal is None:
        assert paywit.check_key_placement(key, placement).provider == "stripe"
    else:
        with pytest.raises(paywit.KeyPlacementError) as info:
            paywit.check_key_placement(key, placement)
        assert info.value.code == refusal
        assert key not in str(info.value)


@pytest.mark.parametrize("now, advice", [
    (1000, paywit.TokenAdvice("use", 3540)),
    (9999, paywit.TokenAdvice("expired", 5399)),
])
def test_token_status(now, advice):
    assert paywit.token_status(1000, 3600, now=now, refresh_skew=60) == advice


def test_poll_backstop():
    processing = paywit.State("payment", "processing")
    assert paywit.poll_backstop(processing, NOW, now=NOW + 900) == paywit.PollDecision("poll-now", 900)
    assert paywit.poll_backstop(processing, NOW, now=NOW + 100) == paywit.PollDecision("wait", 800)
    assert paywit.poll_backstop(paywit.State("payment", "succeeded"), NOW, now=NOW + 10**6) == paywit.PollDecision("not-needed")


def test_reconcile_payout():
    items = [paywit.PayoutItem("ch_1", paywit.ItemKind.CHARGE, "10000"), paywit.PayoutItem("ch_2", "charge", "5000"),
             paywit.PayoutItem("re_1", "refund", "2000"), paywit.PayoutItem("fee_1", "fee", "435")]
    report = paywit.reconcile_payout("12565", items, ["ch_1", "ch_2", "re_1", "fee_1", "ch_3"])
    assert report == paywit.PayoutReport("12565", "exact", None, ["ch_3"], [], [])
    assert paywit.reconcile_payout("12565", items, ["ch_1", "ch_2"]).unexpected == ["fee_1", "re_1"]  # sorted
    assert paywit.reconcile_payout("12600", items).match == "payout-higher"
    assert paywit.reconcile_payout("12600", items).difference == "35"
    lower = paywit.reconcile_payout("12000", items + [items[0]])
    assert (lower.match, lower.duplicates) == ("payout-lower", ["ch_1"])
    debits = paywit.reconcile_payout("0", [paywit.PayoutItem("fee_9", "fee", "120")])
    assert debits.items_net == "-120"
    with pytest.raises(paywit.ReconciliationError) as info:
        paywit.reconcile_payout("100", [paywit.PayoutItem("ch_1", "charge", "1.5")])
    assert info.value.code == "invalid-item-amount" and info.value.details["index"] == 0
    big = str(10**24)
    assert paywit.reconcile_payout(str(2 * 10**24), [paywit.PayoutItem("a", "charge", big)] * 2).match == "exact"


def test_alerts():
    rule = paywit.default_alert_rule()
    assert rule == paywit.AlertRule(500, 200, 20, 3)
    w = paywit.Window
    assert paywit.evaluate_alert([w(90, 10)] * 3, False) == paywit.AlertAction.ALERT
    assert paywit.evaluate_alert([w(90, 10)] * 2, False) == paywit.AlertAction.NOTHING
    assert paywit.evaluate_alert([w(99, 1)] * 3, True, rule) == paywit.AlertAction.RECOVER
    assert paywit.evaluate_alert([w(0, 1)], False) == paywit.AlertAction.NOTHING
    with pytest.raises(paywit.AlertRuleError) as info:
        paywit.evaluate_alert([], False, paywit.AlertRule(200, 500, 20, 3))
    assert info.value.code == "no-hysteresis"
