"""Each defect found by the second reader (issue 12) and the outside checks (issue 20), adapted to
the generated API: argument ranges, traps, guest pointers, limits before copying, secrets."""
import json
import pathlib
import random

import pytest

import paywit
from paywit import _fast_verify, _limits, _runtime, alerts, credentials, idempotency, lifecycle, reconciliation, requests, retry, webhooks
from paywit.types import BodyBytes, BodyText, Header

SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def signed(body="{}", now=1_700_000_000):
    return paywit.sign_webhook("standard-webhooks", SW_SECRET, body, id="msg_1", signed_at=now)


# ---------- numbers outside the WIT type's range ----------

FAILURE = retry.Failure(status=500)
OUT_OF_RANGE = [
    ("verify tolerance -1", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", now=1_700_003_600, tolerance=-1)),
    ("verify tolerance 2**32", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", tolerance=2**32)),
    ("verify now 2**63", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", now=2**63)),
    ("verify now float", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", now=1.7e9)),
    ("verify tolerance bool", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", tolerance=True)),
    ("Verifier tolerance", lambda: paywit.Verifier("stripe", "whsec_x", tolerance=-1)),
    ("sign signed_at", lambda: paywit.sign_webhook("stripe", "whsec_x", "{}", signed_at=-2**64)),
    ("decide now", lambda: idempotency.decide("k", None, "f" * 64, 2**64, policy=idempotency.default_policy())),
    ("decide retention", lambda: idempotency.decide("k", None, "f" * 64, 0, policy=idempotency.KeyPolicy(
        retention_seconds=-1, require_key=True, mismatch_status="bad-request"))),
    ("parse_retry_after now", lambda: retry.parse_retry_after("120", now=-2**63 - 1)),
    ("next_step attempt", lambda: retry.next_step(retry.api_policy(), -1, FAILURE, now=0)),
    ("next_step_with_random random", lambda: retry.next_step_with_random(retry.api_policy(), 1, FAILURE, 0, random=-1)),
    ("schedule element", lambda: retry.next_step(retry.Policy(schedule=retry.ScheduleExplicit(value=[1, -2]), max_attempts=3,
                                                              jitter="none", max_delay_ms=1), 1, FAILURE, now=0)),
    ("classify status", lambda: retry.classify(retry.Failure(status=70000))),
    ("confirmation_status", lambda: lifecycle.confirmation_status(-1, 3)),
    ("assess basis points", lambda: lifecycle.assess_payment("100", "99", lifecycle.ToleranceBasisPoints(value=-5))),
    ("verify_request tolerance", lambda: requests.verify_request([], requests.InboundRequest(
        method="POST", path="/", headers=[], body=BodyText(value="")), 0, tolerance_seconds=-1)),
    ("token_status expires_in", lambda: credentials.token_status(0, -3600, 0, refresh_skew_seconds=60)),
    ("poll_backstop last event", lambda: reconciliation.poll_backstop(lifecycle.StatePayment(value="processing"), 2**70, now=0)),
    ("evaluate_alert window", lambda: alerts.evaluate_alert([alerts.Window(successes=-1, failures=0)], False, alerts.default_alert_rule())),
]


@pytest.mark.parametrize("name, call", OUT_OF_RANGE, ids=[n for n, _ in OUT_OF_RANGE])
def test_numbers_outside_the_wit_range_are_refused_with_a_typed_error(name, call):
    with pytest.raises(paywit.InvalidArgumentError) as info:
        call()
    assert isinstance(info.value, ValueError) and info.value.code == "invalid-argument"


def test_the_error_names_the_argument_path():
    policy = retry.Policy(schedule=retry.ScheduleExplicit(value=[1, 2, -3]), max_attempts=3, jitter="none", max_delay_ms=1)
    with pytest.raises(paywit.InvalidArgumentError) as info:
        retry.next_step(policy, 1, FAILURE, now=0)
    assert info.value.details == {"argument": "policy.schedule.value[2]", "rule": "must be an integer in u64 range 0..18446744073709551615", "got": -3}
    with pytest.raises(paywit.InvalidArgumentError) as info:
        retry.classify(retry.Failure(transport="carrier-pigeon"))
    assert info.value.details["argument"] == "failure.transport" and "carrier" not in str(info.value)
    with pytest.raises(paywit.InvalidArgumentError) as info:
        lifecycle.apply(None, "payment")
    assert info.value.details["argument"] == "incoming"


def test_a_negative_tolerance_never_turns_the_replay_window_off():
    hour_old = signed(now=1_700_000_000)
    with pytest.raises(paywit.InvalidArgumentError):
        paywit.verify_webhook("standard-webhooks", SW_SECRET, hour_old, "{}", now=1_700_003_600, tolerance=-1)
    with pytest.raises(webhooks.VerifyTimestampOutsideToleranceError):
        paywit.verify_webhook("standard-webhooks", SW_SECRET, hour_old, "{}", now=1_700_003_600)


# ---------- traps and guest pointers ----------

def test_after_a_trap_the_thread_gets_a_fresh_instance(monkeypatch):
    headers = signed()
    before = _runtime.instance()
    put = _runtime.Memory.put
    # The packed request's address moved past the end of memory: the component traps reading it.
    monkeypatch.setattr(_runtime.Memory, "put", lambda self, data, align: put(self, data, align) and 0xFFFF_FFF0)
    with pytest.raises(_runtime.ComponentTrap):
        paywit.verify_webhook("standard-webhooks", SW_SECRET, headers, "{}", now=1_700_000_000)
    monkeypatch.undo()
    assert paywit.verify_webhook("standard-webhooks", SW_SECRET, headers, "{}", now=1_700_000_000).message_id == "msg_1"
    assert _runtime.instance() is not before
    # Every interface keeps answering on the fresh instance.
    assert retry.classify(FAILURE).retry


def test_a_stale_trap_pointer_is_cleared():
    instance = _runtime.instance()
    export = instance.exports["paywit:gateway/webhooks@0.1.0#verify-packed"]
    export.slots[0].i32 = 0xFFFF_FFF0 - (1 << 32)
    export.slots[1].i32 = 64
    with pytest.raises(_runtime.ComponentTrap):
        export.call()
    assert not export._trap, "the trap out-pointer must be reset after a trap"
    assert _runtime.instance() is not instance


def test_a_bad_guest_pointer_raises_instead_of_crashing():
    memory = _runtime.instance().memory
    for ptr, n in [(2**32 - 16, 8), (memory.refresh_size(), 1), (memory.size - 4, 8)]:
        with pytest.raises(_runtime.ComponentTrap):
            memory.read(ptr, n)
        with pytest.raises(_runtime.ComponentTrap):
            memory.write(ptr, b"\0" * n)
    memory = _runtime.instance().memory
    assert memory.read(memory.size - 4, 4) is not None


# ---------- inputs read once, checked before they are copied ----------

def test_headers_given_as_a_one_shot_iterator_verify():
    headers = signed()
    verified = paywit.verify_webhook("standard-webhooks", SW_SECRET, iter(list(headers.items())), "{}", now=1_700_000_000)
    assert verified.message_id == "msg_1"
    generator = ((k, v) for k, v in headers.items())
    assert paywit.verify_webhook("standard-webhooks", SW_SECRET, generator, b"{}", now=1_700_000_000).signed_at == 1_700_000_000


def test_a_refused_oversized_body_does_not_grow_the_instance():
    _runtime.discard()
    before = _runtime.instance().memory.refresh_size()
    with pytest.raises(webhooks.VerifyLimitExceededError) as info:
        paywit.verify_webhook("github", "k", {"X-Hub-Signature-256": "sha256=00"}, b"x" * (200 << 20))
    assert info.value.details == webhooks.LimitExceeded(what=webhooks.Limit.BODY_BYTES, max=16 << 20, actual=200 << 20)
    assert _runtime.instance().memory.refresh_size() == before


def test_a_large_accepted_input_does_not_stay_in_the_thread():
    big = b"x" * (16 << 20)
    with pytest.raises(webhooks.VerifyNoMatchingSignatureError):
        paywit.verify_webhook("github", "k", {"X-Hub-Signature-256": "sha256=" + "0" * 64}, big)
    assert _runtime.instance().memory.refresh_size() < _runtime.RETAIN_LIMIT


def test_the_python_limit_check_answers_exactly_like_the_component(monkeypatch):
    """Inputs just over each limit: the host-side refusal equals the component's own."""
    monkeypatch.setattr(_limits, "CHECK_ABOVE", 0)
    L = _limits.LIMITS
    cases = [
        (["k"] * (L["secret-count"] + 1), b"x" * (L["body-bytes"] + 1), [("a", "b")] * (L["header-count"] + 1), None),
        (["k"], b"x" * (L["body-bytes"] + 1), [("a", "b")] * (L["header-count"] + 1), None),
        (["k"], b"{}", [("a", "b")] * (L["header-count"] + 1), "u" * (L["url-bytes"] + 1)),
        (["k"], b"{}", [("a", "b"), ("x-long", "  " + "v" * (L["header-bytes"] - 5) + "  ")], "u" * (L["url-bytes"] + 1)),
        (["k"], b"{}", [("x-long", "v" * (L["header-bytes"] - 5))], "u" * (L["url-bytes"] + 1)),
        (["k"], b"{}", [("a", "b")], None),
    ]
    for secrets, body, headers, url in cases:
        request = webhooks.Request(headers=[Header(name=n, value=v) for n, v in headers], body=BodyBytes(value=body), url=url)
        try:
            webhooks.verify(webhooks.SchemeGithub(), secrets, request, webhooks.VerifyOptions(now=0))
            component = None
        except webhooks.VerifyLimitExceededError as error:
            component = error.details
        except webhooks.VerifyError:
            component = None
        host = _limits.refusal(secrets, len(body), headers, url)
        if host is None:
            assert component is None
        else:
            assert component == webhooks.LimitExceeded(what=webhooks.Limit(host["what"]), max=host["max"], actual=host["actual"])


def test_the_limits_come_from_the_generated_manifest():
    manifest = json.loads((pathlib.Path(paywit.__file__).with_name("abi.json")).read_text())
    assert _limits.LIMITS == manifest["limits"] and _limits.LIMITS["body-bytes"] == 16 << 20


def test_a_bad_argument_allocates_nothing_in_the_guest(monkeypatch):
    memory = _runtime.instance().memory
    allocations = []
    real = memory.alloc
    monkeypatch.setattr(memory, "alloc", lambda align, size: allocations.append(size) or real(align, size))
    bad_requests = [
        webhooks.Request(headers=[Header(name="x", value=1)], body=BodyText(value="")),
        webhooks.Request(headers=[Header(name="x", value="v")], body=BodyText(value=""), url=7),
        webhooks.Request(headers=[Header(name="x", value="\ud800")], body=BodyText(value="")),
        webhooks.Request(headers=[Header(name="x", value="v")], body=("text", "")),
    ]
    for request in bad_requests:
        with pytest.raises(paywit.InvalidArgumentError):
            webhooks.verify(webhooks.SchemeGithub(), ["k", "k2"], request, webhooks.VerifyOptions(now=0))
    with pytest.raises(paywit.InvalidArgumentError):
        webhooks.verify(webhooks.SchemeGithub(), ["k"], bad_requests[0], webhooks.VerifyOptions(now=0, tolerance_seconds=-1))
    with pytest.raises(paywit.InvalidArgumentError):
        paywit.verify_webhook("github", ["k", 7], {}, "")
    with pytest.raises(paywit.InvalidArgumentError):
        paywit.verify_webhook(webhooks.HmacScheme(header="X-Sig", algorithm="md5", encoding="hex"), ["k"], {"X-Sig": "00"}, "")
    assert allocations == []


def test_variant_payload_mixes_are_joined_in_flat_slots():
    """A schedule is `explicit(list<u64>) | exponential(record{u64, f64, u64})`: its flat slots
    join a pointer with a u64 and a length with an f64. Both cases cross and come back intact."""
    exponential = retry.Policy(schedule=retry.ScheduleExponential(value=retry.Exponential(base_ms=100, multiplier=2.5, cap_ms=10_000)),
                               max_attempts=5, jitter=retry.Jitter.NONE, max_delay_ms=10_000)
    assert retry.next_step_with_random(exponential, 3, retry.Failure(status=503), 0, random=0) == retry.StepRetryAfterMs(value=625)
    explicit = retry.Policy(schedule=retry.ScheduleExplicit(value=[7, 2**64 - 1]), max_attempts=5, jitter="none", max_delay_ms=2**64 - 1)
    assert retry.next_step_with_random(explicit, 2, retry.Failure(status=503), 0, random=0).value > 0


def test_random_inputs_give_the_same_answer_on_the_fast_and_the_general_path():
    rng = random.Random(12)
    schemes = [webhooks.SchemeStandardWebhooks(), webhooks.SchemeStripe(), webhooks.SchemeGithub(), webhooks.SchemeSlack(),
               webhooks.SchemeSquare(),
               webhooks.SchemeHmac(value=webhooks.HmacScheme(header="X-Sig", algorithm="sha512", encoding="base64", prefix="p=")),
               webhooks.SchemeHmac(value=webhooks.HmacScheme(header="X-Sig", algorithm="sha1", encoding="hex"))]
    alphabet = "abcXYZ019=,.:;-_ é☃\t"
    word = lambda n: "".join(rng.choice(alphabet) for _ in range(rng.randrange(n)))  # noqa: E731
    names = ["webhook-id", "webhook-timestamp", "webhook-signature", "Stripe-Signature", "X-Hub-Signature-256", "X-Sig",
             "X-Slack-Signature", "X-Slack-Request-Timestamp", "x-square-hmacsha256-signature", "svix-id"]

    def outcome(call):
        try:
            return call()
        except webhooks.VerifyError as error:
            return (type(error), error.details)

    for _ in range(400):
        scheme = rng.choice(schemes)
        secrets = [rng.choice([SW_SECRET, "whsec_", "k" * rng.randrange(1, 30), word(12)]) for _ in range(rng.randrange(0, 4))]
        headers = [(rng.choice(names), rng.choice([word(40), "v1," + word(44), "t=1700000000,v1=" + word(64), "1700000000"]))
                   for _ in range(rng.randrange(0, 6))]
        body = word(60).encode()
        url = rng.choice([None, "https://example.com/" + word(10)])
        now = rng.choice([0, 1_700_000_000, -1, 2**63 - 1, -2**63])
        tolerance = rng.choice([None, 0, 300, 2**32 - 1])
        block = _fast_verify.field_block(headers)
        request = webhooks.Request(headers=[Header(name=n, value=v) for n, v in headers], body=BodyBytes(value=body), url=url)
        general = outcome(lambda: webhooks.verify(scheme, secrets, request, webhooks.VerifyOptions(now=now, tolerance_seconds=tolerance)))
        heads = [_fast_verify.prefix(scheme, secrets)]
        prepared = outcome(lambda: webhooks.prepare_packed(scheme, secrets))
        if isinstance(prepared, bytes):
            heads.append(prepared)  # what a Verifier sends
        else:
            empty = webhooks.Request(headers=[], body=BodyBytes(value=b""))
            assert prepared == outcome(lambda: webhooks.verify(scheme, secrets, empty, webhooks.VerifyOptions(now=0)))
        for head in heads:
            packed = _fast_verify.pack(head, block, _fast_verify.BODY_BYTES, body, url, now, tolerance)
            fast = outcome(lambda: webhooks.verify_packed(packed))
            if not (isinstance(fast, tuple) and fast[0] is webhooks.VerifyMalformedHeaderError and fast[1].name == ""):
                assert fast == general, (scheme, secrets, headers, url, now, tolerance)
        assert outcome(lambda: paywit.verify_webhook(scheme, secrets, headers, body, now=now, tolerance=tolerance, url=url)) == general


def test_a_verifier_checks_its_secrets_once_and_answers_like_verify_webhook(vectors):
    with pytest.raises(webhooks.VerifyUnusableSecretError) as info:
        paywit.Verifier("standard-webhooks", [SW_SECRET, "whsec_!!"])
    assert info.value.details.index == 1 and "!!" not in repr(info.value)
    with pytest.raises(webhooks.VerifyNoSecretsError):
        paywit.Verifier("stripe", [])
    assert "whsec" not in repr(paywit.Verifier("stripe", "whsec_secret"))
    compared = 0
    for v in vectors:
        scheme = webhooks.HmacScheme(**v["hmac"]) if v["scheme"] == "hmac" else v["scheme"]
        secrets = v.get("secrets") or (["whsk_" + v["signing_key_seed_base64"]] if "signing_key_seed_base64" in v else [v["secret"]])
        try:
            verifier = paywit.Verifier(scheme, secrets, tolerance=v.get("tolerance"))
        except webhooks.VerifyError as error:
            assert not v["valid"]
            with pytest.raises(type(error)):
                paywit.verify_webhook(scheme, secrets, v["headers"], v["body"], now=v.get("now", 0))
            continue

        def outcome(call):
            try:
                return call()
            except webhooks.VerifyError as error:
                return (error.code, error.details)
        kwargs = dict(now=v.get("now", 0), url=v.get("url"))
        assert outcome(lambda: verifier.verify(v["headers"], v["body"], **kwargs)) == outcome(
            lambda: paywit.verify_webhook(scheme, secrets, v["headers"], v["body"], tolerance=v.get("tolerance"), **kwargs)), v["name"]
        compared += 1
    assert compared >= 55


# ---------- issue 20: the outside checks' findings ----------

@pytest.mark.parametrize("megabytes", [1, 8, 15.9])
def test_an_instance_left_over_the_retain_limit_is_dropped_whatever_the_input_size(megabytes):
    _runtime.discard()
    big = b"x" * int(megabytes * (1 << 20))
    for call in (
        lambda: paywit.verify_webhook("github", "k", {"X-Hub-Signature-256": "sha256=" + "0" * 64}, big),
        lambda: paywit.Verifier("github", "k").verify({"X-Hub-Signature-256": "sha256=" + "0" * 64}, big),
        lambda: idempotency.fingerprint("POST", "/charges", BodyBytes(value=big)),
    ):
        try:
            call()
        except paywit.PaywitError:
            pass
        assert _runtime.instance().memory.refresh_size() <= _runtime.RETAIN_LIMIT


def test_a_verifier_refuses_to_be_pickled():
    import copy
    import pickle

    verifier = paywit.Verifier("stripe", "whsec_pickle-test-secret")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(verifier, protocol=protocol)
    assert copy.copy(verifier) is verifier and copy.deepcopy(verifier) is verifier
    assert "pickle-test-secret" not in repr(verifier)
    for call in (verifier.__reduce__, lambda: verifier.__reduce_ex__(2), verifier.__getstate__):
        with pytest.raises(TypeError):
            call()


def test_errors_pickle_with_their_typed_details():
    import pickle

    try:
        paywit.verify_webhook("standard-webhooks", [SW_SECRET, "whsec_!!"], signed(), "{}")
    except webhooks.VerifyUnusableSecretError as error:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and copy.details == error.details and copy.code == "unusable-secret"


def test_a_secret_that_is_not_valid_unicode_is_refused_by_index_without_its_value():
    bad = "whsec_SUPERSECRET\udcffVALUE"  # os.environ's decoding of an undecodable byte
    for call in (
        lambda: paywit.verify_webhook("stripe", ["whsec_ok", bad], {"Stripe-Signature": "t=1,v1=00"}, "{}"),
        lambda: paywit.Verifier("stripe", [bad]),
        lambda: webhooks.prepare_packed(webhooks.SchemeStripe(), ["whsec_ok", bad]),
    ):
        with pytest.raises(paywit.InvalidArgumentError) as info:
            call()
        shown = repr(info.value) + str(info.value) + repr(info.value.args) + repr(info.value.__cause__) + repr(info.value.__context__)
        assert "SUPERSECRET" not in shown and "VALUE" not in shown
        assert info.value.details["argument"].endswith("]")


def test_a_header_padded_with_spaces_is_not_copied_into_the_guest_at_its_padded_size():
    _runtime.discard()
    headers = signed()
    pad = " " * (64 << 20)
    padded = {**headers, "webhook-signature": pad + headers["webhook-signature"] + pad}
    before = _runtime.instance().memory.refresh_size()
    for call in (
        lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, padded, "{}", now=1_700_000_000),
        lambda: paywit.Verifier("standard-webhooks", SW_SECRET).verify(padded, "{}", now=1_700_000_000),
        lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, {**padded, "x-folded": "a\r\n b"}, "{}", now=1_700_000_000),
    ):
        assert call().message_id == "msg_1"  # the component trims values: the same answer
        assert _runtime.instance().memory.refresh_size() - before < 32 << 20
