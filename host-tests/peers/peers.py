#!/usr/bin/env python3
"""Differential test against independent implementations on PyPI.

    peers.py sign DIR    the peers sign random cases -> DIR/peer-signed.json
    peers.py verify DIR  the peers verify DIR/paywit-signed.json (written by the
                         Rust `peer-check` binary, which also verifies the peers'
                         cases through the component)

Peers: `standardwebhooks` and `svix` (Standard Webhooks v1) and `stripe`
(`Stripe-Signature`). Randomised secrets, ids, timestamps and bodies, including
empty and non-ASCII bodies. Every disagreement fails the run; the one known
peer leniency (non-canonical base64 accepted) is asserted explicitly.
"""
import base64, datetime, json, os, random, sys, time

import stripe
from standardwebhooks.webhooks import Webhook as StandardWebhook, WebhookVerificationError
from svix.webhooks import Webhook as SvixWebhook, WebhookVerificationError as SvixVerificationError

CASES_PER_PEER = 200
ALPHABET = "abcXYZ019 {}[]\":,./\\\n\t-_é☃€日本😀"


def random_body(rng):
    if rng.random() < 0.1:
        return ""
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 400)))


def sw_secret(rng):
    return "whsec_" + base64.b64encode(bytes(rng.randrange(256) for _ in range(rng.choice([24, 32, 48])))).decode()


def sign(out_dir):
    rng = random.Random(int(os.environ.get("PAYWIT_PEER_SEED", "20261126")))
    now = int(time.time())
    cases = []
    for peer, cls in (("standardwebhooks", StandardWebhook), ("svix", SvixWebhook)):
        for _ in range(CASES_PER_PEER):
            secret, body = sw_secret(rng), random_body(rng)
            msg_id = "msg_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randrange(1, 30)))
            ts = now - rng.randrange(0, 250)
            sig = cls(secret).sign(msg_id, datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc), body)
            prefix = "svix" if peer == "svix" and rng.random() < 0.5 else "webhook"
            headers = {f"{prefix}-id": msg_id, f"{prefix}-timestamp": str(ts), f"{prefix}-signature": sig}
            cases.append({"peer": peer, "scheme": "standard-webhooks", "secret": secret, "headers": headers, "body": body, "now": now})
    for _ in range(CASES_PER_PEER):
        secret = "whsec_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(32))
        body, ts = random_body(rng), now - rng.randrange(0, 250)
        sig = stripe.WebhookSignature._compute_signature(f"{ts}.{body}", secret)
        cases.append({"peer": "stripe", "scheme": "stripe", "secret": secret, "headers": {"Stripe-Signature": f"t={ts},v1={sig}"}, "body": body, "now": now})
    with open(os.path.join(out_dir, "peer-signed.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False)
    print(f"peers signed {len(cases)} cases")


def peer_accepts(peer, case, body=None):
    body = case["body"] if body is None else body
    headers = case["headers"]
    try:
        if peer == "standardwebhooks":
            StandardWebhook(case["secret"]).verify(body, headers, json_parse=False)
        elif peer == "svix":
            SvixWebhook(case["secret"]).verify(body, headers)
        else:
            stripe.WebhookSignature.verify_header(body, headers["Stripe-Signature"], case["secret"], tolerance=300)
        return True
    except (WebhookVerificationError, SvixVerificationError, stripe.SignatureVerificationError):
        return False


def non_canonical(signature_header):
    """The same bytes in a non-canonical base64 spelling (last data char's unused bits set)."""
    version, encoded = signature_header.split(",", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    stripped = encoded.rstrip("=")
    last = alphabet.index(stripped[-1])
    return f"{version},{stripped[:-1]}{alphabet[last | 1]}{encoded[len(stripped):]}"


def verify(out_dir):
    with open(os.path.join(out_dir, "paywit-signed.json"), encoding="utf-8") as f:
        cases = json.load(f)
    passed = failed = 0
    for case in cases:
        for peer in case["peers"]:
            ok = peer_accepts(peer, case)
            tampered = peer_accepts(peer, case, case["body"] + " ")
            if ok and not tampered:
                passed += 1
            else:
                failed += 1
                print(f"DISAGREE {peer}: accepted={ok} tampered_accepted={tampered} case={case['headers']}")
    # The documented leniency: Python standardwebhooks compares decoded bytes, so
    # it accepts a non-canonical spelling that paywit (rightly) refuses.
    sw = next(c for c in cases if c["scheme"] == "standard-webhooks")
    sig_name = next(k for k in sw["headers"] if k.endswith("signature"))
    lenient = dict(sw, headers=dict(sw["headers"], **{sig_name: non_canonical(sw["headers"][sig_name])}))
    assert lenient["headers"][sig_name] != sw["headers"][sig_name], "the non-canonical spelling must differ"
    if peer_accepts("standardwebhooks", lenient):
        passed += 1  # the documented leniency still holds (README: peers accept non-canonical base64)
    else:
        failed += 1
        print("DISAGREE standardwebhooks no longer accepts non-canonical base64: update the README and this check")
    print(f"peer verification of paywit signatures: {passed} passed, {failed} failed")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    {"sign": sign, "verify": verify}[sys.argv[1]](sys.argv[2])
