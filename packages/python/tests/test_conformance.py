"""The shared conformance vectors through the Python package."""
import pytest

import paywit
from conftest import load_vectors


def scheme_of(v):
    if v["scheme"] == "hmac":
        h = v["hmac"]
        return paywit.HmacScheme(h["header"], h["algorithm"], h["encoding"], h["prefix"])
    return paywit.Scheme(v["scheme"])


def secrets_of(v):
    if "secrets" in v:
        return v["secrets"]
    if "signing_key_seed_base64" in v:
        return ["whsk_" + v["signing_key_seed_base64"]]
    return [v["secret"]]


@pytest.mark.parametrize("v", load_vectors(), ids=lambda v: v["name"])
def test_vector(v):
    kwargs = dict(now=v.get("now", 0), tolerance=v.get("tolerance"), url=v.get("url"))
    if v["valid"]:
        expect = v["expect"]
        wanted = paywit.Verified(expect["secret_index"], expect["message_id"], expect["signed_at"])
        assert paywit.verify_webhook(scheme_of(v), secrets_of(v), v["headers"], v["body"], **kwargs) == wanted
        assert paywit.verify_webhook(scheme_of(v), secrets_of(v), list(v["headers"].items()), v["body"].encode(), **kwargs) == wanted
    else:
        with pytest.raises(paywit.WebhookVerificationError) as info:
            paywit.verify_webhook(scheme_of(v), secrets_of(v), v["headers"], v["body"], **kwargs)
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


def test_fast_path_equals_generic_binding(vectors):
    """verify-fields through the hand-written lowering/lifting gives exactly what the
    generic canonical-ABI binding of verify gives, on every vector and on
    error-producing variants."""
    from paywit import _fast_verify, _runtime

    compared = 0
    for v in vectors:
        scheme = paywit._scheme(scheme_of(v))
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
            fast = _runtime.verify_fields(scheme, secrets, block, ("text", body.encode()), v.get("url"), now, tolerance)
            request = {"headers": [{"name": n, "value": val} for n, val in hs], "body": ("text", body), "url": v.get("url")}
            generic = _runtime.call("webhooks", "verify", scheme, secrets, request, {"now": now, "tolerance-seconds": tolerance})
            assert fast == generic, v["name"]
            compared += 1
    big = "X-Hub-Signature-256: " + "a" * 20000 + "\r\n"
    assert _runtime.verify_fields(("github", None), ["k"], big, ("bytes", b""), None, 0, None)[1][0] == "limit-exceeded"
    assert compared >= 7 * 39


def test_headers_a_field_block_cannot_carry_take_the_general_path(vectors):
    """A CR/LF in a value or a non-token name cannot go into a field block; such
    headers are verified through `verify` with the header list, with the same answer."""
    from paywit import _fast_verify, _runtime

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
        refused = _runtime.verify_fields(("standard-webhooks", None), [sw["secret"]], block, ("text", sw["body"].encode()), None, sw["now"], None)
        assert _fast_verify.is_field_block_error(refused), (extra, refused)
        assert paywit.verify_webhook("standard-webhooks", sw["secret"], headers, sw["body"], now=sw["now"]).message_id
    # An injected line cannot smuggle a second signature header into the block.
    forged = [*sw["headers"].items(), ("X-Note", "x\r\nwebhook-signature: v1,AAAA")]
    assert _fast_verify.field_block(forged) is None
    assert paywit.verify_webhook("standard-webhooks", sw["secret"], forged, sw["body"], now=sw["now"]).secret_index == 0


def test_asgi_raw_byte_headers_are_accepted(vectors):
    sw = next(v for v in vectors if v["name"] == "standard-webhooks-1")
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in sw["headers"].items()]
    assert paywit.verify_webhook("standard-webhooks", sw["secret"], raw, sw["body"].encode(), now=sw["now"]).secret_index == 0
