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
        assert paywit.verify_webhook(scheme_of(v), secrets_of(v), v["headers"], v["body"], **kwargs).secret_index >= 0
        assert paywit.verify_webhook(scheme_of(v), secrets_of(v), list(v["headers"].items()), v["body"].encode(), **kwargs)
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
