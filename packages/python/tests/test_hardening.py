"""Each defect found by the second reader (issue 12), with the test that failed before its fix."""
import json
import pathlib
import random

import pytest

import paywit
from paywit import _abi, _fast_verify, _limits, _runtime

SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def signed(body="{}", now=1_700_000_000):
    return paywit.sign_webhook("standard-webhooks", SW_SECRET, body, id="msg_1", signed_at=now)


# ---------- numbers outside the WIT type's range ----------

OUT_OF_RANGE = [
    ("verify tolerance -1", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", now=1_700_003_600, tolerance=-1)),
    ("verify tolerance 2**32", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", tolerance=2**32)),
    ("verify now 2**63", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", now=2**63)),
    ("verify now float", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", now=1.7e9)),
    ("verify tolerance bool", lambda: paywit.verify_webhook("standard-webhooks", SW_SECRET, signed(), "{}", tolerance=True)),
    ("sign signed_at", lambda: paywit.sign_webhook("stripe", "whsec_x", "{}", signed_at=-2**64)),
    ("decide now", lambda: paywit.decide("k", None, "f" * 64, now=2**64)),
    ("decide retention", lambda: paywit.decide("k", None, "f" * 64, now=0, policy=paywit.KeyPolicy(retention_seconds=-1))),
    ("parse_retry_after now", lambda: paywit.parse_retry_after("120", now=-2**63 - 1)),
    ("next_step attempt", lambda: paywit.next_step(paywit.api_policy(), -1, paywit.Failure(status=500), now=0)),
    ("next_step random", lambda: paywit.next_step(paywit.api_policy(), 1, paywit.Failure(status=500), now=0, random=-1)),
    ("classify status", lambda: paywit.classify(paywit.Failure(status=70000))),
    ("confirmation_status", lambda: paywit.confirmation_status(-1, 3)),
    ("assess basis points", lambda: paywit.assess_payment("100", "99", basis_points=-5)),
    ("verify_request tolerance", lambda: paywit.verify_request({"k": "s"}, method="POST", path="/", headers={}, body="", now=0, tolerance=-1)),
    ("sign_request timestamp", lambda: paywit.sign_request("k", "s", method="POST", path="/", timestamp=2**63)),
    ("token_status expires_in", lambda: paywit.token_status(0, -3600, now=0)),
    ("token_status skew", lambda: paywit.token_status(0, 3600, now=0, refresh_skew=2**32)),
    ("poll_backstop last event", lambda: paywit.poll_backstop(paywit.State("payment", "processing"), 2**70, now=0)),
    ("evaluate_alert window", lambda: paywit.evaluate_alert([paywit.Window(-1, 0)], False)),
    ("evaluate_alert rule", lambda: paywit.evaluate_alert([], False, paywit.AlertRule(-1, 0, 1, 1))),
]


@pytest.mark.parametrize("name, call", OUT_OF_RANGE, ids=[n for n, _ in OUT_OF_RANGE])
def test_numbers_outside_the_wit_range_are_refused_with_a_typed_error(name, call):
    with pytest.raises(paywit.InvalidArgumentError) as info:
        call()
    assert isinstance(info.value, ValueError) and info.value.code == "invalid-argument"


def test_a_negative_tolerance_never_turns_the_replay_window_off():
    hour_old = signed(now=1_700_000_000)
    with pytest.raises(paywit.InvalidArgumentError):
        paywit.verify_webhook("standard-webhooks", SW_SECRET, hour_old, "{}", now=1_700_003_600, tolerance=-1)
    with pytest.raises(paywit.TimestampOutsideToleranceError):
        paywit.verify_webhook("standard-webhooks", SW_SECRET, hour_old, "{}", now=1_700_003_600)


# ---------- traps and guest pointers ----------

def test_after_a_trap_the_thread_gets_a_fresh_instance(monkeypatch):
    headers = signed()
    before = _runtime.instance()
    call_list = _abi.Export.call_list
    # The packed request's address moved past the end of memory: the component traps reading it.
    monkeypatch.setattr(_abi.Export, "call_list", lambda self, ptr, length, lift: call_list(self, 0xFFFF_FFF0, 64, lift))
    with pytest.raises(_abi.ComponentTrap):
        paywit.verify_webhook("standard-webhooks", SW_SECRET, headers, "{}", now=1_700_000_000)
    monkeypatch.undo()
    assert paywit.verify_webhook("standard-webhooks", SW_SECRET, headers, "{}", now=1_700_000_000).message_id == "msg_1"
    assert _runtime.instance() is not before


def test_a_stale_trap_pointer_is_cleared_by_the_abi_layer():
    instance = _runtime.instance()
    call = instance.verify_packed
    with pytest.raises(_abi.ComponentTrap):
        call.call_list(0xFFFF_FFF0, 64, lambda mem, ret: None)
    assert not call._trap, "the trap out-pointer must be reset after a trap"
    _runtime._discard()


def test_a_bad_guest_pointer_raises_instead_of_crashing():
    memory = _runtime.instance().memory
    for ptr, n in [(2**32 - 16, 8), (memory.refresh_size(), 1), (memory.size - 4, 8)]:
        with pytest.raises(_abi.ComponentTrap):
            memory.read(ptr, n)
        with pytest.raises(_abi.ComponentTrap):
            memory.write(ptr, b"\0" * n)
    assert memory.read(memory.size - 4, 4) is not None


# ---------- inputs read once, checked before they are copied ----------

def test_headers_given_as_a_one_shot_iterator_verify():
    headers = signed()
    verified = paywit.verify_webhook("standard-webhooks", SW_SECRET, iter(list(headers.items())), "{}", now=1_700_000_000)
    assert verified.message_id == "msg_1"
    generator = ((k, v) for k, v in headers.items())
    assert paywit.verify_webhook("standard-webhooks", SW_SECRET, generator, b"{}", now=1_700_000_000).signed_at == 1_700_000_000


def test_a_refused_oversized_body_does_not_grow_the_instance():
    _runtime._discard()
    before = _runtime.instance().memory.refresh_size()
    with pytest.raises(paywit.LimitExceededError) as info:
        paywit.verify_webhook("github", "k", {"X-Hub-Signature-256": "sha256=00"}, b"x" * (200 << 20))
    assert info.value.details == {"what": "body-bytes", "max": 16 << 20, "actual": 200 << 20}
    assert _runtime.instance().memory.refresh_size() == before


def test_a_large_accepted_input_does_not_stay_in_the_thread():
    big = b"x" * (16 << 20)
    with pytest.raises(paywit.NoMatchingSignatureError):
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
        request = {"headers": [{"name": n, "value": v} for n, v in headers], "body": ("bytes", body), "url": url}
        component = _runtime.call("webhooks", "verify", ("github", None), secrets, request, {"now": 0, "tolerance-seconds": None})
        host = _limits.refusal(secrets, len(body), headers, url)
        if host is None:
            assert component[1][0] != "limit-exceeded", component
        else:
            assert component == ("err", ("limit-exceeded", host))


def test_the_limits_come_from_the_generated_manifest():
    manifest = json.loads((pathlib.Path(paywit.__file__).with_name("abi.json")).read_text())
    assert _limits.LIMITS == manifest["limits"] and _limits.LIMITS["body-bytes"] == 16 << 20


def test_a_bad_argument_allocates_nothing_in_the_guest(monkeypatch):
    memory = _runtime.instance().memory
    allocations = []
    real = memory.alloc
    monkeypatch.setattr(memory, "alloc", lambda align, size: allocations.append(size) or real(align, size))
    bad_requests = [
        {"headers": [{"name": "x", "value": 1}], "body": ("text", ""), "url": None},
        {"headers": [{"name": "x", "value": "v"}], "body": ("text", ""), "url": 7},
        {"headers": [{"name": "x", "value": "\ud800"}], "body": ("text", ""), "url": None},
    ]
    for request in bad_requests:
        with pytest.raises((TypeError, ValueError)):
            _runtime.call("webhooks", "verify", ("github", None), ["k", "k2"], request, {"now": 0, "tolerance-seconds": None})
    with pytest.raises(paywit.InvalidArgumentError):
        _runtime.call("webhooks", "verify", ("github", None), ["k"], bad_requests[0] | {"headers": []}, {"now": 0, "tolerance-seconds": -1})
    with pytest.raises(TypeError):
        paywit.verify_webhook("github", ["k", 7], {}, "")
    with pytest.raises(paywit.InvalidArgumentError):
        paywit.verify_webhook(paywit.HmacScheme("X-Sig", algorithm="md5"), ["k"], {"X-Sig": "00"}, "")
    assert allocations == []


def test_an_i32_in_an_i64_slot_is_zero_extended():
    assert _abi._coerce(-1, "i32", "i64") == 0xFFFF_FFFF
    assert _abi._coerce(-(2**31), "i32", "i64") == 0x8000_0000
    assert _abi._coerce(5, "i32", "i64") == 5


# ---------- the fast path is derived, and answers like the generic path ----------

def test_the_fast_path_layout_matches_wit_parsers_layout():
    manifest = json.loads((pathlib.Path(paywit.__file__).with_name("abi.json")).read_text())
    fields = manifest["interfaces"]["webhooks"]["verify-fields"]
    packed = manifest["interfaces"]["webhooks"]["verify-packed"]
    layout = _runtime.layout()
    params = {p["name"]: p["type"] for p in fields["params"]}
    scheme = params["scheme"]
    assert list(layout.scheme_index) == [c["name"] for c in scheme["cases"]]
    hmac = {f["name"]: f for f in next(c["type"] for c in scheme["cases"] if c["name"] == "hmac")["fields"]}
    assert list(layout.algorithms) == hmac["algorithm"]["type"]["names"]
    assert list(layout.encodings) == hmac["encoding"]["type"]["names"]
    assert list(layout.body_cases) == [c["name"] for c in params["body"]["cases"]]
    assert [p["type"]["kind"] for p in packed["params"]] == ["list"]
    result = packed["result"]
    assert (layout.result_size, layout.result_payload) == (result["size"], result["payload_offset"])
    ok = {f["name"]: f for f in result["ok"]["fields"]}
    assert layout.secret_index_at == result["payload_offset"] + ok["secret-index"]["offset"]
    assert layout.message_id_payload == result["payload_offset"] + ok["message-id"]["offset"] + ok["message-id"]["type"]["payload_offset"]
    assert layout.signed_at_payload == result["payload_offset"] + ok["signed-at"]["offset"] + ok["signed-at"]["type"]["payload_offset"]
    assert layout.error_codes == [c["name"] for c in result["err"]["cases"]]


def test_random_inputs_give_the_same_answer_on_the_fast_and_the_generic_path():
    rng = random.Random(12)
    schemes = [("standard-webhooks", None), ("stripe", None), ("github", None), ("slack", None), ("square", None),
               ("hmac", {"header": "X-Sig", "algorithm": "sha512", "encoding": "base64", "prefix": "p="}),
               ("hmac", {"header": "X-Sig", "algorithm": "sha1", "encoding": "hex", "prefix": None})]
    alphabet = "abcXYZ019=,.:;-_ é☃\t"
    word = lambda n: "".join(rng.choice(alphabet) for _ in range(rng.randrange(n)))
    names = ["webhook-id", "webhook-timestamp", "webhook-signature", "Stripe-Signature", "X-Hub-Signature-256", "X-Sig",
             "X-Slack-Signature", "X-Slack-Request-Timestamp", "x-square-hmacsha256-signature", "svix-id"]
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
        fast = _runtime.verify_fields(scheme, secrets, block, ("bytes", body), url, now, tolerance)
        request = {"headers": [{"name": n, "value": v} for n, v in headers], "body": ("bytes", body), "url": url}
        generic = _runtime.call("webhooks", "verify", scheme, secrets, request, {"now": now, "tolerance-seconds": tolerance})
        if not _fast_verify.is_field_block_error(fast):
            assert fast == generic, (scheme, secrets, headers, url, now, tolerance)
        # The prepared head (version 2, what a Verifier sends) gives the same answers.
        head = _runtime.call("webhooks", "prepare-packed", scheme, secrets)
        if head[0] == "ok":
            prepared = _runtime.verify_packed(head[1], block, ("bytes", body), url, now, tolerance)
            if not _fast_verify.is_field_block_error(prepared):
                assert prepared == generic, (scheme, secrets, headers, url, now, tolerance)
        else:
            empty = {"headers": [], "body": ("bytes", b""), "url": None}
            assert head == _runtime.call("webhooks", "verify", scheme, secrets, empty, {"now": 0, "tolerance-seconds": None})


def test_a_verifier_checks_its_secrets_once_and_answers_like_verify_webhook(vectors):
    with pytest.raises(paywit.UnusableSecretError) as info:
        paywit.Verifier("standard-webhooks", [SW_SECRET, "whsec_!!"])
    assert info.value.details["index"] == 1 and "!!" not in repr(info.value)
    with pytest.raises(paywit.NoSecretsError):
        paywit.Verifier("stripe", [])
    with pytest.raises(paywit.InvalidArgumentError):
        paywit.Verifier("stripe", "whsec_x", tolerance=-1)
    assert "whsec" not in repr(paywit.Verifier("stripe", "whsec_secret"))
    compared = 0
    for v in vectors:
        scheme = paywit.HmacScheme(**v["hmac"]) if v["scheme"] == "hmac" else v["scheme"]
        secrets = v.get("secrets") or (["whsk_" + v["signing_key_seed_base64"]] if "signing_key_seed_base64" in v else [v["secret"]])
        try:
            verifier = paywit.Verifier(scheme, secrets, tolerance=v.get("tolerance"))
        except paywit.WebhookVerificationError as error:
            assert not v["valid"]
            with pytest.raises(type(error)):
                paywit.verify_webhook(scheme, secrets, v["headers"], v["body"], now=v.get("now", 0))
            continue
        def outcome(call):
            try:
                return call()
            except paywit.WebhookVerificationError as error:
                return (error.code, error.details)
        kwargs = dict(now=v.get("now", 0), url=v.get("url"))
        assert outcome(lambda: verifier.verify(v["headers"], v["body"], **kwargs)) == outcome(
            lambda: paywit.verify_webhook(scheme, secrets, v["headers"], v["body"], tolerance=v.get("tolerance"), **kwargs)), v["name"]
        compared += 1
    assert compared >= 55


# ---------- issue 20: the outside checks' findings ----------

@pytest.mark.parametrize("megabytes", [1, 8, 15.9])
def test_an_instance_left_over_the_retain_limit_is_dropped_whatever_the_input_size(megabytes):
    """The documented rule: an instance one input left over 32 MiB is replaced. A 15.9 MiB body
    (under the old 16 MiB trigger) used to leave 32.9 MiB behind."""
    _runtime._discard()
    big = b"x" * int(megabytes * (1 << 20))
    for call in (
        lambda: paywit.verify_webhook("github", "k", {"X-Hub-Signature-256": "sha256=" + "0" * 64}, big),
        lambda: paywit.Verifier("github", "k").verify({"X-Hub-Signature-256": "sha256=" + "0" * 64}, big),
        lambda: paywit.fingerprint("POST", "/charges", big),
    ):
        try:
            call()
        except paywit.PaywitError:
            pass
        assert _runtime.instance().memory.refresh_size() <= _runtime.RETAIN_LIMIT


def test_a_verifier_refuses_to_be_pickled():
    """A pickled Verifier would hold the raw secrets and the prepared keys in the clear. Copying
    stays possible (the object is immutable: a copy is the object itself)."""
    import copy
    import pickle

    verifier = paywit.Verifier("stripe", "whsec_pickle-test-secret")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(verifier, protocol=protocol)
    assert copy.copy(verifier) is verifier and copy.deepcopy(verifier) is verifier
    assert "pickle-test-secret" not in repr(verifier)


def test_a_verifier_gives_its_secrets_to_no_state_protocol():
    verifier = paywit.Verifier("stripe", "whsec_state-test-secret")
    for call in (verifier.__reduce__, lambda: verifier.__reduce_ex__(2), verifier.__getstate__):
        with pytest.raises(TypeError):
            call()


def test_a_secret_that_is_not_valid_unicode_is_refused_by_index_without_its_value():
    bad = "whsec_SUPERSECRET\udcffVALUE"  # os.environ's decoding of an undecodable byte
    for call in (
        lambda: paywit.verify_webhook("stripe", ["whsec_ok", bad], {"Stripe-Signature": "t=1,v1=00"}, "{}"),
        lambda: paywit.Verifier("stripe", [bad]),
    ):
        with pytest.raises(paywit.InvalidArgumentError) as info:
            call()
        shown = repr(info.value) + str(info.value) + repr(info.value.args) + repr(info.value.__cause__) + repr(info.value.__context__)
        assert "SUPERSECRET" not in shown and "VALUE" not in shown


def test_a_header_padded_with_spaces_is_not_copied_into_the_guest_at_its_padded_size():
    _runtime._discard()
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
