"""Differential test against PyPI standardwebhooks, svix and stripe: randomised
secrets, ids, timestamps and bodies (empty and non-ASCII), signed by the peer
and verified by paywit, and the other way round."""
import base64
import datetime
import json
import random
import time

import pytest
import stripe
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook

import paywit

CASES = 150
ALPHABET = 'abcXYZ019 {}[]":,./\\\n\t-_é☃€日本😀'


def bodies(rng):
    for i in range(CASES):
        text = "" if i % 10 == 0 else "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(300)))
        yield json.dumps({"note": text, "amount": rng.randrange(10**9)}, ensure_ascii=bool(i % 2))


@pytest.mark.parametrize("peer", [StandardWebhook, SvixWebhook], ids=["standardwebhooks", "svix"])
def test_standard_webhooks_both_ways(peer):
    rng = random.Random(20261126)
    now = int(time.time())
    for body in bodies(rng):
        secret = "whsec_" + base64.b64encode(bytes(rng.randrange(256) for _ in range(rng.choice([24, 32])))).decode()
        msg_id = f"msg_{rng.randrange(10**12):x}"
        ts = now - rng.randrange(200)
        signature = peer(secret).sign(msg_id, datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc), body)
        headers = {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}
        assert paywit.verify_webhook("standard-webhooks", secret, headers, body, now=now).secret_index == 0
        with pytest.raises(paywit.webhooks.VerifyNoMatchingSignatureError):
            paywit.verify_webhook("standard-webhooks", secret, headers, body + " ", now=now)
        ours = paywit.sign_webhook("standard-webhooks", secret, body, id=msg_id, signed_at=ts)
        assert ours["webhook-signature"] == signature
        peer(secret).verify(body, ours)


def test_stripe_both_ways():
    rng = random.Random(7)
    now = int(time.time())
    for body in bodies(rng):
        secret = f"whsec_{rng.randrange(10**20):x}"
        ts = now - rng.randrange(200)
        header = f"t={ts},v1={stripe.WebhookSignature._compute_signature(f'{ts}.{body}', secret)}"
        assert paywit.verify_webhook("stripe", secret, {"Stripe-Signature": header}, body, now=now).secret_index == 0
        ours = paywit.sign_webhook("stripe", secret, body, signed_at=ts)["Stripe-Signature"]
        assert ours == header
        assert stripe.WebhookSignature.verify_header(body, ours, secret, tolerance=300)
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.WebhookSignature.verify_header(body + " ", ours, secret, tolerance=300)


def test_documented_peer_leniency_non_canonical_base64():
    """standardwebhooks (Python) compares decoded bytes and accepts a non-canonical
    base64 spelling of a signature; paywit accepts exactly one spelling."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    ts = int(time.time())
    signature = paywit.sign_webhook("standard-webhooks", secret, "{}", id="msg_1", signed_at=ts)["webhook-signature"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    data = signature.rstrip("=")
    twisted = data[:-1] + alphabet[alphabet.index(data[-1]) | 1] + signature[len(data):]
    assert twisted != signature
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": twisted}
    StandardWebhook(secret).verify("{}", headers)  # the peer accepts it
    with pytest.raises(paywit.webhooks.VerifyMalformedHeaderError):
        paywit.verify_webhook("standard-webhooks", secret, headers, "{}", now=ts)
