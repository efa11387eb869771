"""paywit.idempotency: the shared table (conformance/tables/idempotency.json) through the public API, and the
module's own cases."""
import pytest

from conftest import run_table_case, table_cases


@pytest.mark.parametrize("case", table_cases("idempotency"))
def test_table(case):
    run_table_case("idempotency", case)


def test_keys_fingerprints_and_decisions():
    import re

    from paywit import idempotency as i
    from paywit.types import BodyBytes, BodyText

    key = i.new_key()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", key)
    assert i.parse_key(f'"{key}"') == key
    with pytest.raises(i.KeyInvalidCharacterError) as info:
        i.parse_key("a b")
    assert (info.value.code, info.value.details) == ("invalid-character", 1) and isinstance(info.value, i.KeyError)
    fp = i.fingerprint("POST", "/v1/charges", BodyText(value='{"b":1, "a":2}'))
    assert fp == i.fingerprint("post", "/v1/charges", BodyBytes(value=b'{"a":2,"b":1}'))
    policy = i.default_policy()

    def stored(completed):
        return i.StoredKey(fingerprint=fp, first_seen=100, completed=completed, response_ref="r1")

    assert i.decide(key, None, fp, 200, policy=policy) == i.DecisionExecute(value=i.ExecuteReason.NEW_KEY)
    assert i.decide(key, stored(True), fp, 200, policy=policy) == i.DecisionReplay(value="r1")
    assert i.decide(key, stored(False), fp, 200, policy=policy) == i.DecisionInProgress()
    assert i.decide(key, stored(True), "other", 200, policy=policy) == i.DecisionMismatch()
    assert i.decide(None, None, fp, 200, policy=policy) == i.DecisionMissingKey()
    assert i.decide(key, stored(True), fp, 100 + 86400, policy=policy) == i.DecisionExecute(value="expired-key")
    assert i.problem_for(i.DecisionMismatch(), policy).status == 422
    stripe_flavour = i.KeyPolicy(retention_seconds=86400, require_key=True, mismatch_status=i.MismatchStatus.BAD_REQUEST)
    assert i.problem_for(i.DecisionMismatch(), stripe_flavour).status == 400
    assert i.problem_for(i.DecisionReplay(value="r1"), policy) is None
    with pytest.raises(i.PolicyRetentionOutOfRangeError):
        i.decide(key, None, fp, policy=i.KeyPolicy(retention_seconds=5, require_key=True, mismatch_status="bad-request"))
