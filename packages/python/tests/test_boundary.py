"""The boundary between Python and the guest, across interfaces: oversized inputs answered with the
component's typed errors (never a trap), secrets kept out of reprs and errors, huge ints and foreign
enums refused cleanly, a guest's invalid UTF-8 and a missing export treated as faults, arguments
that change while they are read."""
import dataclasses
import struct
from collections.abc import Sequence

import pytest

import paywit
from paywit import _exports, _limits, _runtime, idempotency, requests, retry, webhooks
from paywit.types import BodyBytes, BodyText, Header

BIG = 300 << 20  # past what the component's 256 MiB memory could take: before, cabi_realloc trapped
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOO_LONG = webhooks.SecretProblem.TOO_LONG


@pytest.fixture(scope="module")
def big():
    return "a" * BIG


def limit(what, actual):
    return webhooks.LimitExceeded(what=webhooks.Limit(what), max=_limits.LIMITS[what], actual=actual)


def test_an_oversized_secret_is_too_long_at_its_index_not_a_trap(big):
    headers = {"Stripe-Signature": "t=1,v1=00"}
    for call in (
        lambda: paywit.verify_webhook("stripe", ["whsec_ok", "whsec_" + big], headers, b"{}", now=1),
        lambda: paywit.Verifier("stripe", ["whsec_ok", "whsec_" + big]),
        lambda: webhooks.prepare_packed(webhooks.SchemeStripe(), ["whsec_ok", big]),
        lambda: webhooks.verify(webhooks.SchemeStripe(), ["whsec_ok", big], webhooks.Request(headers=[], body=BodyText(value="{}")),
                                webhooks.VerifyOptions(now=1)),
        lambda: webhooks.verify_fields(webhooks.SchemeStripe(), ["whsec_ok", big], "Stripe-Signature: t=1,v1=00\r\n",
                                       BodyText(value="{}"), None, webhooks.VerifyOptions(now=1)),
    ):
        with pytest.raises(webhooks.VerifyUnusableSecretError) as info:
            call()
        assert info.value.details == webhooks.UnusableSecret(index=1, problem=TOO_LONG)
    with pytest.raises(webhooks.SignUnusableSecretError) as sign_info:
        paywit.sign_webhook("stripe", big, b"{}", signed_at=1)
    assert sign_info.value.details is TOO_LONG
    assert _runtime.instance().memory.refresh_size() < _runtime.RETAIN_LIMIT


def test_an_oversized_message_or_request_gets_the_limit_answer_not_a_trap(big):
    with pytest.raises(webhooks.SignLimitExceededError) as info:
        paywit.sign_webhook("stripe", "whsec_abc", big.encode(), signed_at=1)
    assert info.value.details == limit("body-bytes", BIG)
    with pytest.raises(webhooks.SignLimitExceededError) as info:
        paywit.sign_webhook("standard-webhooks", SW_SECRET, b"{}", id=big, signed_at=1)
    assert info.value.details == limit("id-bytes", BIG)
    with pytest.raises(webhooks.SignLimitExceededError) as info:
        webhooks.sign(webhooks.SchemeStripe(), "whsec_abc", webhooks.Message(body=BodyText(value="{}"), url=big, signed_at=1))
    assert info.value.details == limit("url-bytes", BIG)
    with pytest.raises(webhooks.VerifyLimitExceededError) as verify_info:
        webhooks.verify(webhooks.SchemeStripe(), ["whsec_x"], webhooks.Request(headers=[], body=BodyText(value=big)),
                        webhooks.VerifyOptions(now=1))
    assert verify_info.value.details == limit("body-bytes", BIG)
    with pytest.raises(webhooks.VerifyLimitExceededError) as verify_info:
        webhooks.verify_fields(webhooks.SchemeStripe(), ["whsec_x"], "a: b\r\n", BodyText(value="{}"), big, webhooks.VerifyOptions(now=1))
    assert verify_info.value.details == limit("url-bytes", BIG)
    assert _runtime.instance().memory.refresh_size() < _runtime.RETAIN_LIMIT


def test_any_other_input_too_large_for_the_memory_is_a_typed_error_not_a_trap(big):
    before = _runtime.instance()
    with pytest.raises(_runtime.ComponentMemoryError) as info:
        idempotency.fingerprint("POST", "/", BodyText(value=big))
    assert isinstance(info.value, paywit.PaywitError) and isinstance(info.value, MemoryError)
    assert _runtime.instance() is not before and retry.classify(retry.Failure(status=503)).retry


def test_the_guards_answer_exactly_like_the_component(monkeypatch):
    """Inputs just over each limit: the guard's answer equals the component's own."""
    monkeypatch.setattr(_limits, "CHECK_ABOVE", 0)
    L = _limits.LIMITS
    over = L["secret-bytes"] + 1
    messages = [
        webhooks.Message(body=BodyBytes(value=b"x" * (L["body-bytes"] + 1)), url="u" * (L["url-bytes"] + 1), signed_at=1),
        webhooks.Message(body=BodyText(value="{}"), url="u" * (L["url-bytes"] + 1), id="i" * (L["id-bytes"] + 1), signed_at=1),
        webhooks.Message(body=BodyText(value="{}"), id="é" * (L["id-bytes"] // 2 + 1), signed_at=1),
        webhooks.Message(body=BodyText(value="{}"), id="m", signed_at=1),
    ]
    requests_ = [
        (["k"] * (L["secret-count"] + 1), webhooks.Request(headers=[], body=BodyBytes(value=b"x" * (L["body-bytes"] + 1)))),
        (["k", "s" * over], webhooks.Request(headers=[Header(name="a", value="  " + "v" * (L["header-bytes"] - 1) + " ")],
                                             body=BodyText(value="{}"))),
        (["s" * over, "k"], webhooks.Request(headers=[Header(name="a", value="b")] * (L["header-count"] + 1), body=BodyText(value=""))),
        (["whsec_!!", "s" * over], webhooks.Request(headers=[], body=BodyText(value=""), url="u" * (L["url-bytes"] + 1))),
        (["whsec_!!", "s" * over], webhooks.Request(headers=[], body=BodyText(value=""))),
    ]

    def outcome(call):
        try:
            return call()
        except paywit.PaywitError as error:
            return (type(error), error.details)

    guarded = []
    for message in messages:
        for secret in ("whsec_abc", "s" * over):
            guarded.append(outcome(lambda: webhooks.sign(webhooks.SchemeStripe(), secret, message)))
    for secrets, request in requests_:
        for scheme in (webhooks.SchemeStripe(), webhooks.SchemeStandardWebhooks()):
            guarded.append(outcome(lambda: webhooks.verify(scheme, secrets, request, webhooks.VerifyOptions(now=1))))
            fields = "".join(f"{h.name}: {h.value}\r\n" for h in request.headers)
            guarded.append(outcome(lambda: webhooks.verify_fields(scheme, secrets, fields, request.body, request.url,
                                                                  webhooks.VerifyOptions(now=1))))
            guarded.append(outcome(lambda: webhooks.prepare_packed(scheme, secrets)))
    for name in ("guard_sign", "guard_verify", "guard_verify_fields", "guard_prepare_packed"):
        monkeypatch.setattr(_limits, name, lambda *args: args)
    component = []
    for message in messages:
        for secret in ("whsec_abc", "s" * over):
            component.append(outcome(lambda: webhooks.sign(webhooks.SchemeStripe(), secret, message)))
    for secrets, request in requests_:
        for scheme in (webhooks.SchemeStripe(), webhooks.SchemeStandardWebhooks()):
            component.append(outcome(lambda: webhooks.verify(scheme, secrets, request, webhooks.VerifyOptions(now=1))))
            fields = "".join(f"{h.name}: {h.value}\r\n" for h in request.headers)
            component.append(outcome(lambda: webhooks.verify_fields(scheme, secrets, fields, request.body, request.url,
                                                                    webhooks.VerifyOptions(now=1))))
            component.append(outcome(lambda: webhooks.prepare_packed(scheme, secrets)))
    assert guarded == component
    assert sum(1 for o in guarded if isinstance(o, tuple) and "LimitExceeded" in o[0].__name__) >= 10


# ---------- 2. secrets in reprs and errors ----------

SECRET_FIELDS = {("requests", "ApiSecret", "secret"), ("webhooks", "SigningKeyPair", "signing_key")}


def test_every_record_field_holding_a_secret_is_left_out_of_the_repr():
    hidden = set()
    for module in _exports.MODULES:
        for name in module.__all__:
            item = getattr(module, name)
            if isinstance(item, type) and dataclasses.is_dataclass(item) and item.__module__ == module.__name__:
                hidden |= {(module.__name__.split(".")[1], name, f.name) for f in dataclasses.fields(item) if not f.repr}
    assert hidden == SECRET_FIELDS
    pair = webhooks.new_signing_key_pair()
    assert pair.signing_key not in repr(pair) and pair.public_key in repr(pair)
    secret = requests.ApiSecret(key_id="k", secret="s3cr3t-value")
    assert "s3cr3t-value" not in repr(secret) and "key_id='k'" in repr(secret)
    assert secret == requests.ApiSecret(key_id="k", secret="s3cr3t-value")


def test_a_numeric_secret_is_not_shown_in_the_argument_error():
    for call in (
        lambda: webhooks.sign(webhooks.SchemeStripe(), 12345678901234, webhooks.Message(body=BodyText(value=""), signed_at=1)),
        lambda: paywit.verify_webhook("stripe", [12345678901234], {}, b""),
        lambda: requests.verify_request([requests.ApiSecret(key_id="k", secret=12345678901234)], None),
    ):
        with pytest.raises(paywit.InvalidArgumentError) as info:
            call()
        assert "12345678901234" not in str(info.value) + repr(info.value.details) and info.value.details["got"] == "int"
    assert paywit.InvalidArgumentError("attempt", "rule", 7).details["got"] == 7


# ---------- 3. oversized ints ----------

def test_ints_outside_the_float_range_and_huge_ints_are_refused_with_a_typed_error():
    failure = retry.Failure(status=503)
    for multiplier in (10**400, 2**1024, -(10**309)):
        policy = retry.Policy(schedule=retry.ScheduleExponential(value=retry.Exponential(base_ms=100, multiplier=multiplier, cap_ms=1000)),
                              max_attempts=5, jitter="none", max_delay_ms=10000)
        with pytest.raises(paywit.InvalidArgumentError) as info:
            retry.next_step(policy, 1, failure, now=0)
        assert info.value.details["argument"] == "policy.schedule.value.multiplier"
    with pytest.raises(paywit.InvalidArgumentError) as info:
        retry.next_step(retry.api_policy(), 10**5000, failure, now=0)
    assert info.value.details["got"] == f"int of {(10**5000).bit_length()} bits"
    with pytest.raises(paywit.InvalidArgumentError) as info:
        retry.parse_retry_after("5", now=-(10**5000))
    assert info.value.details["got"].startswith("int of ")
    assert paywit.InvalidArgumentError("x", "r", 10**39).details["got"] == 10**39
    ok = retry.Policy(schedule=retry.ScheduleExponential(value=retry.Exponential(base_ms=100, multiplier=2, cap_ms=1000)),
                      max_attempts=5, jitter="none", max_delay_ms=10000)
    assert isinstance(retry.next_step_with_random(ok, 2, failure, 0, random=0), retry.StepRetryAfterMs)


# ---------- 4. a member of another str enum ----------

def test_a_member_of_another_enum_with_the_same_value_is_refused():
    assert retry.Category.UNKNOWN.value in {m.value for m in retry.TransportError}
    with pytest.raises(paywit.InvalidArgumentError) as info:
        retry.classify(retry.Failure(transport=retry.Category.UNKNOWN))
    assert info.value.details["got"] == "Category"
    assert retry.classify(retry.Failure(transport=retry.TransportError.UNKNOWN)) == retry.classify(retry.Failure(transport="unknown"))


# ---------- 5. guest faults: invalid UTF-8, a missing export ----------

def test_a_string_the_guest_answers_that_is_not_utf8_is_a_trap_and_drops_the_instance():
    instance = _runtime.instance()
    memory = instance.memory
    ptr = memory.alloc(1, 2)
    memory.write(ptr, b"\xff\xfe")
    with pytest.raises(_runtime.ComponentTrap):
        _runtime._read_str(memory, struct.pack("<II", ptr, 2), 0)
    assert _runtime.instance() is not instance


def test_a_component_without_an_export_the_bindings_call_is_refused_at_load(monkeypatch):
    monkeypatch.setitem(_runtime._expected_exports, "paywit.test", ("paywit:gateway/webhooks@0.1.0#no-such-export",))
    with pytest.raises(_runtime.ComponentMismatchError, match="no-such-export"):
        _runtime.Process()
    monkeypatch.undo()
    _runtime.Process()  # every export the generated modules call is there


# ---------- 6. arguments that change between their check and their copy ----------

def test_an_argument_that_changes_while_it_is_read_is_an_argument_error():
    class Shifty(Sequence):
        def __init__(self):
            self.n = 0

        def __len__(self):
            self.n += 1
            return 1 if self.n == 1 else 3

        def __getitem__(self, i):
            if i >= 3:
                raise IndexError
            return 1000 if self.n <= 1 else -5

    class Changing(retry.Failure):
        reads = 0

        @property
        def error_type(self):
            Changing.reads += 1
            return "x" if Changing.reads == 1 else 12345

        @error_type.setter
        def error_type(self, value):
            pass

    failure = retry.Failure(status=503)
    policy = retry.Policy(schedule=retry.ScheduleExplicit(value=Shifty()), max_attempts=3, jitter="none", max_delay_ms=10**6)
    for call in (lambda: retry.next_step(policy, 1, failure, now=0), lambda: retry.classify(Changing(status=1))):
        with pytest.raises(paywit.InvalidArgumentError) as info:
            call()
        assert info.value.details["argument"] == "arguments"
        assert info.value.__cause__ is None and info.value.__context__ is None

    class Surrogate(retry.Failure):  # passes its check, then answers a string that cannot be encoded
        reads = 0

        @property
        def error_type(self):
            Surrogate.reads += 1
            return "x" if Surrogate.reads == 1 else "TOPSECRET\ud800"

        @error_type.setter
        def error_type(self, value):
            pass

    with pytest.raises(paywit.InvalidArgumentError) as info:
        retry.classify(Surrogate(status=1))
    assert "TOPSECRET" not in repr(info.value) + repr(info.value.__context__) + repr(info.value.__cause__)
    assert retry.classify(failure).category is retry.Category.SERVER_ERROR
