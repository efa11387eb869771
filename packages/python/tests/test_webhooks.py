"""paywit.webhooks: the shared conformance vectors (conformance/vectors/webhook-*.json) through the
public API (the idiomatic `verify_webhook` / `Verifier`, and the generated `webhooks.verify`),
signing, schemes, and the fast path against the generated `verify`."""
import pytest

import paywit
from conftest import load_vectors
from paywit import _fast_verify, webhooks
from paywit.types import BodyText, Header

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def scheme_of(v):
    if v["scheme"] == "hmac":
        h = v["hmac"]
        return webhooks.HmacScheme(header=h["header"], algorithm=h["algorithm"], encoding=h["encoding"], prefix=h["prefix"])
    return v["scheme"]


def wit_scheme(v):
    from paywit.verifier import _scheme
    return _scheme(scheme_of(v))


def secrets_of(v):
    if "secrets" in v:
        return v["secrets"]
    if "signing_key_seed_base64" in v:
        return ["whsk_" + v["signing_key_seed_base64"]]
    return [v["secret"]]


@pytest.mark.parametrize("v", load_vectors(), ids=lambda v: v["name"])
def test_vector(v):
    kwargs = dict(now=v.get("now", 0), tolerance=v.get("tolerance"), url=v.get("url"))
    request = webhooks.Request(headers=[Header(name=n, value=val) for n, val in v["headers"].items()],
                               body=BodyText(value=v["body"]), url=v.get("url"))
    options = webhooks.VerifyOptions(now=v.get("now", 0), tolerance_seconds=v.get("tolerance"))
    if v["valid"]:
        expect = v["expect"]
        wanted = webhooks.Verified(secret_index=expect["secret_index"], message_id=expect["message_id"], signed_at=expect["signed_at"])
        assert paywit.verify_webhook(scheme_of(v), secrets_of(v), v["headers"], v["body"], **kwargs) == wanted
        assert paywit.verify_webhook(scheme_of(v), secrets_of(v), list(v["headers"].items()), v["body"].encode(), **kwargs) == wanted
        assert webhooks.verify(wit_scheme(v), secrets_of(v), request, options) == wanted
    else:
        with pytest.raises(webhooks.VerifyError) as info:
            paywit.verify_webhook(scheme_of(v), secrets_of(v), v["headers"], v["body"], **kwargs)
        with pytest.raises(type(info.value)):
            webhooks.verify(wit_scheme(v), secrets_of(v), request, options)
        if "error" in v:
            assert info.value.code == v["error"]


def test_vector_count(vectors):
    assert len(vectors) >= 39


def test_signing_reproduces_published_vectors(vectors):
    sw = next(v for v in vectors if v["name"] == "standard-webhooks-1")
    headers = paywit.sign_webhook("standard-webhooks", sw["secret"], sw["body"], id=sw["headers"]["webhook-id"], signed_at=1614265330)
    assert headers["webhook-signature"] == sw["headers"]["webhook-signature"]
    st = next(v for v in vectors if v["name"] == "stripe-1")
    assert paywit.sign_webhook("stripe", st["secret"], st["body"], signed_at=12345)["Stripe-Signature"] == st["headers"]["Stripe-Signature"]


def test_the_scheme_may_be_a_name_a_scheme_value_or_an_hmac_scheme(vectors):
    st = next(v for v in vectors if v["name"] == "stripe-1")
    for scheme in ("stripe", webhooks.SchemeStripe()):
        assert paywit.verify_webhook(scheme, st["secret"], st["headers"], st["body"], now=st["now"]).secret_index == 0
    hmac = webhooks.HmacScheme(header="X-Sig", algorithm="sha256", encoding="hex")
    headers = paywit.sign_webhook(hmac, "k", "{}")
    assert paywit.verify_webhook(webhooks.SchemeHmac(value=hmac), "k", headers, "{}").secret_index == 0
    for bad in ("nope", "hmac", 7):
        with pytest.raises(paywit.InvalidArgumentError):
            paywit.verify_webhook(bad, "k", {}, "{}")


def test_typed_errors_never_echo_secrets():
    headers = paywit.sign_webhook("standard-webhooks", SECRET, "{}", id="msg_1", signed_at=1000)
    with pytest.raises(webhooks.VerifyTimestampOutsideToleranceError) as info:
        paywit.verify_webhook("standard-webhooks", SECRET, headers, "{}", now=2000)
    assert info.value.details == webhooks.TimestampSkew(seconds_outside=700, direction=webhooks.ClockDirection.PAST,
                                                        tolerance_seconds=300)
    with pytest.raises(webhooks.VerifyUnusableSecretError) as info:
        paywit.verify_webhook("standard-webhooks", [SECRET, "whsec_!!bad!!"], headers, "{}", now=1000)
    assert info.value.details == webhooks.UnusableSecret(index=1, problem=webhooks.SecretProblem.BAD_ENCODING)
    assert "!!bad!!" not in str(info.value) + repr(info.value)
    with pytest.raises(webhooks.VerifyMissingHeaderError):
        paywit.verify_webhook("stripe", "k", {}, "{}")
    rotated = paywit.verify_webhook("standard-webhooks", ["whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", SECRET], headers, b"{}", now=1000)
    assert rotated == webhooks.Verified(secret_index=1, message_id="msg_1", signed_at=1000)


def test_every_scheme_round_trips():
    for info in webhooks.schemes():
        secret = webhooks.new_secret(info.scheme)
        body = '{"b":1,"a":"é"}' if info.name == "nowpayments" else "héllo"
        headers = paywit.sign_webhook(info.scheme, secret, body, id="msg_1", signed_at=1_700_000_000, url="https://x.test/h")
        assert paywit.verify_webhook(info.scheme, secret, headers, body, now=1_700_000_000, url="https://x.test/h").secret_index == 0
    pair = webhooks.new_signing_key_pair()
    assert webhooks.public_key(pair.signing_key) == pair.public_key
    with pytest.raises(webhooks.SecretProblemError):
        webhooks.public_key("whpk_x")


def test_sign_errors_are_typed():
    with pytest.raises(webhooks.SignError) as info:
        paywit.sign_webhook("standard-webhooks", "whsec_!!", "{}", id="m")
    assert isinstance(info.value, webhooks.SignUnusableSecretError) and "!!" not in str(info.value)


def test_the_fast_path_equals_the_generated_verify(vectors):
    """verify-packed (layout 1, and a Verifier's prepared head) gives exactly what `verify` gives,
    on every vector and on error-producing variants."""
    compared = 0
    for v in vectors:
        scheme = wit_scheme(v)
        headers = list(v["headers"].items())
        noise = [("Host", "example.com"), ("Content-Type", "application/json"), ("Accept", "*/*")]
        variants = [
            (secrets_of(v), headers, v["body"], v.get("now", 0), v.get("tolerance")),
            (secrets_of(v), noise + headers + noise, v["body"], v.get("now", 0), v.get("tolerance")),
            ([], headers, v["body"], 0, None),
            (["whsec_", *secrets_of(v)], headers, v["body"], 0, None),
            (secrets_of(v), headers[1:], v["body"], 0, None),
            (secrets_of(v), headers + [(headers[0][0], "x")], v["body"], 0, None),
            (secrets_of(v), headers, v["body"] + "é", v.get("now", 0) + 100000, 7),
        ]
        for secrets, hs, body, now, tolerance in variants:
            block = _fast_verify.field_block(hs)
            assert block is not None
            packed = _fast_verify.pack(_fast_verify.prefix(scheme, secrets), block, _fast_verify.BODY_TEXT, body.encode(),
                                       v.get("url"), now, tolerance)
            request = webhooks.Request(headers=[Header(name=n, value=val) for n, val in hs], body=BodyText(value=body), url=v.get("url"))
            assert outcome(lambda: webhooks.verify_packed(packed)) == outcome(
                lambda: webhooks.verify(scheme, secrets, request, webhooks.VerifyOptions(now=now, tolerance_seconds=tolerance))), v["name"]
            compared += 1
    big = "X-Hub-Signature-256: " + "a" * 20000 + "\r\n"
    packed = _fast_verify.pack(_fast_verify.prefix(webhooks.SchemeGithub(), ["k"]), big, _fast_verify.BODY_BYTES, b"", None, 0, None)
    with pytest.raises(webhooks.VerifyLimitExceededError):
        webhooks.verify_packed(packed)
    assert compared >= 7 * 39


def outcome(call):
    try:
        return call()
    except webhooks.VerifyError as error:
        return (type(error), error.code, error.details)


def test_headers_a_field_block_cannot_carry_take_the_general_path(vectors):
    sw = next(v for v in vectors if v["name"] == "standard-webhooks-1")
    for extra in [("X-Folded", "a\r\n b"), ("X-Lf", "1\n2"), ("X-Cr", "1\r2"), ("A:B", "v"), ("X-Bytes", b"v")]:
        headers = [*sw["headers"].items(), extra]
        assert _fast_verify.field_block(headers) is None, extra
        assert paywit.verify_webhook("standard-webhooks", sw["secret"], headers, sw["body"], now=sw["now"]).message_id
    # Names the component's block parser refuses: it says so, and the list path answers.
    for extra in [("Bad Name", "v"), ("", "empty name"), (" Lead", "v"), ("X-é", "v")]:
        headers = [*sw["headers"].items(), extra]
        block = _fast_verify.field_block(headers)
        assert block is not None, extra
        packed = _fast_verify.pack(_fast_verify.prefix(webhooks.SchemeStandardWebhooks(), [sw["secret"]]), block,
                                   _fast_verify.BODY_TEXT, sw["body"].encode(), None, sw["now"], None)
        with pytest.raises(webhooks.VerifyMalformedHeaderError) as info:
            webhooks.verify_packed(packed)
        assert _fast_verify.is_field_block_error(info.value), extra
        assert paywit.verify_webhook("standard-webhooks", sw["secret"], headers, sw["body"], now=sw["now"]).message_id
    # An injected line cannot smuggle a second signature header into the block.
    forged = [*sw["headers"].items(), ("X-Note", "x\r\nwebhook-signature: v1,AAAA")]
    assert _fast_verify.field_block(forged) is None
    assert paywit.verify_webhook("standard-webhooks", sw["secret"], forged, sw["body"], now=sw["now"]).secret_index == 0


def test_asgi_raw_byte_headers_and_multidicts_are_accepted(vectors):
    sw = next(v for v in vectors if v["name"] == "standard-webhooks-1")
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in sw["headers"].items()]
    assert paywit.verify_webhook("standard-webhooks", sw["secret"], raw, sw["body"].encode(), now=sw["now"]).secret_index == 0
    listed = {k: [v] for k, v in sw["headers"].items()}
    assert paywit.Verifier("standard-webhooks", sw["secret"]).verify(listed, sw["body"], now=sw["now"]).secret_index == 0


def test_a_bytes_body_and_a_text_body_are_the_same_bytes():
    headers = paywit.sign_webhook("github", "k", "héllo")
    assert paywit.verify_webhook("github", "k", headers, "héllo".encode()) == paywit.verify_webhook("github", "k", headers, "héllo")
    headers = paywit.sign_webhook("github", "k", bytearray(b"\xff\x00"))
    assert paywit.verify_webhook("github", "k", headers, memoryview(b"\xff\x00")).secret_index == 0
