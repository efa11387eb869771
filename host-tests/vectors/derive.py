#!/usr/bin/env python3
"""Derive webhook vectors for schemes without published ones.

Computed with Python's standard hmac/hashlib/base64 only (an implementation
independent of paywit's Rust code), from each gateway's published construction.
Deterministic: run it and commit `webhook-derived.json`; the conformance tests
of every host read both that file and the published `webhook-signatures.json`.
"""
import base64, hashlib, hmac, json, pathlib

def mac(alg, key, msg):
    return hmac.new(key, msg, getattr(hashlib, alg)).digest()

def b64(b): return base64.b64encode(b).decode()

BODY = '{"id":"evt_1","type":"payment.succeeded","amount":9900,"note":"caf\u00e9 \u2603"}'
TS = 1700000000
vectors = []

def add(name, scheme, secrets, headers, body=BODY, valid=True, error=None, now=None, tolerance=None, url=None, hmac_scheme=None):
    v = {"name": name, "scheme": scheme, "secrets": secrets, "headers": headers, "body": body, "valid": valid}
    if error: v["error"] = error
    if now is not None: v["now"] = now
    if tolerance is not None: v["tolerance"] = tolerance
    if url is not None: v["url"] = url
    if hmac_scheme is not None: v["hmac"] = hmac_scheme
    v["source"] = "derived with Python hmac from the published construction"
    vectors.append(v)

# Standard Webhooks v1: rotation, svix names, several signatures, stale and future.
sw_key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
sw_old = "whsec_" + b64(b"0123456789abcdef0123456789abcdef")
def sw_sig(key, mid, ts, body): return "v1," + b64(mac("sha256", key, f"{mid}.{ts}.{body}".encode()))
sig = sw_sig(sw_key, "msg_derived", TS, BODY)
hdr = {"webhook-id": "msg_derived", "webhook-timestamp": str(TS), "webhook-signature": sig}
add("sw-rotation-second-secret", "standard-webhooks", [sw_old, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], hdr, now=TS)
add("sw-svix-headers", "standard-webhooks", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    {"svix-id": "msg_derived", "svix-timestamp": str(TS), "svix-signature": sig}, now=TS)
add("sw-several-signatures", "standard-webhooks", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    dict(hdr, **{"webhook-signature": "v2,AAAA " + sw_sig(base64.b64decode(sw_old[6:]), "msg_derived", TS, BODY) + " " + sig}), now=TS)
add("sw-future", "standard-webhooks", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], hdr, now=TS - 301, valid=False, error="timestamp-outside-tolerance")
add("sw-wrong-secret", "standard-webhooks", [sw_old], hdr, now=TS, valid=False, error="no-matching-signature")
add("sw-custom-tolerance", "standard-webhooks", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], hdr, now=TS + 3600, tolerance=3600)

# Stripe: the whole secret string is the key; several v1 (rolled secret); v0 ignored.
st_new, st_old = "whsec_new_secret_value", "whsec_old_secret_value"
def st_sig(secret, ts, body): return mac("sha256", secret.encode(), f"{ts}.{body}".encode()).hex()
add("stripe-rolled-secret", "stripe", [st_old], {"Stripe-Signature": f"t={TS},v1={st_sig(st_new, TS, BODY)},v1={st_sig(st_old, TS, BODY)},v0=deadbeef"}, now=TS + 10)
add("stripe-only-v0", "stripe", [st_new], {"Stripe-Signature": f"t={TS},v0={st_sig(st_new, TS, BODY)}"}, now=TS, valid=False, error="no-matching-signature")
add("stripe-future", "stripe", [st_new], {"Stripe-Signature": f"t={TS},v1={st_sig(st_new, TS, BODY)}"}, now=TS - 400, valid=False, error="timestamp-outside-tolerance")
add("stripe-uppercase-hex", "stripe", [st_new], {"stripe-signature": f"t={TS},v1={st_sig(st_new, TS, BODY).upper()}"}, now=TS)
add("stripe-fractional-timestamp", "stripe", [st_new], {"Stripe-Signature": f"t={TS}.5,v1={st_sig(st_new, TS, BODY)}"}, now=TS, valid=False, error="malformed-header")

# Raw-body single-header schemes.
secret = "s3cr3t-for-derived-vectors"
add("github-derived", "github", [secret], {"X-Hub-Signature-256": "sha256=" + mac("sha256", secret.encode(), BODY.encode()).hex()})
add("github-uppercase-hex", "github", [secret], {"x-hub-signature-256": "sha256=" + mac("sha256", secret.encode(), BODY.encode()).hex().upper()})
add("github-missing-prefix", "github", [secret], {"X-Hub-Signature-256": mac("sha256", secret.encode(), BODY.encode()).hex()}, valid=False, error="malformed-header")
add("shopify-derived", "shopify", [secret], {"X-Shopify-Hmac-Sha256": b64(mac("sha256", secret.encode(), BODY.encode()))})
add("coinbase-derived", "coinbase-commerce", [secret], {"X-CC-Webhook-Signature": mac("sha256", secret.encode(), BODY.encode()).hex()})
btcpay_body = '{\n  "deliveryId": "Wd8ctUZXKxNAZcYb2eQhBh",\n  "type": "InvoiceSettled",\n  "invoiceId": "AbC"\n}'
add("btcpay-derived", "btcpay", [secret], {"BTCPay-Sig": "sha256=" + mac("sha256", secret.encode(), btcpay_body.encode()).hex()}, body=btcpay_body)
add("razorpay-derived", "razorpay", [secret], {"X-Razorpay-Signature": mac("sha256", secret.encode(), BODY.encode()).hex()})
url = "https://example.com/webhooks/square"
add("square-derived", "square", [secret], {"x-square-hmacsha256-signature": b64(mac("sha256", secret.encode(), (url + BODY).encode()))}, url=url)
add("square-other-url", "square", [secret], {"x-square-hmacsha256-signature": b64(mac("sha256", secret.encode(), (url + BODY).encode()))}, url=url + "/", valid=False, error="no-matching-signature")
add("square-no-url", "square", [secret], {"x-square-hmacsha256-signature": b64(mac("sha256", secret.encode(), (url + BODY).encode()))}, valid=False, error="missing-url")

# Slack and Paddle (timestamped).
add("slack-derived", "slack", [secret], {"X-Slack-Request-Timestamp": str(TS), "X-Slack-Signature": "v0=" + mac("sha256", secret.encode(), f"v0:{TS}:{BODY}".encode()).hex()}, now=TS + 299)
add("slack-stale", "slack", [secret], {"X-Slack-Request-Timestamp": str(TS), "X-Slack-Signature": "v0=" + mac("sha256", secret.encode(), f"v0:{TS}:{BODY}".encode()).hex()}, now=TS + 301, valid=False, error="timestamp-outside-tolerance")
pad = lambda s: mac("sha256", s.encode(), f"{TS}:{BODY}".encode()).hex()
add("paddle-two-h1", "paddle", [secret], {"Paddle-Signature": f"ts={TS};h1={pad('other')};h1={pad(secret)}"}, now=TS + 5)
add("paddle-stale", "paddle", [secret], {"Paddle-Signature": f"ts={TS};h1={pad(secret)}"}, now=TS + 6, valid=False, error="timestamp-outside-tolerance")

# NOWPayments: HMAC-SHA512 of the body re-serialised with keys sorted at every depth.
np_body = '{"payment_status": "finished", "payment_id": 5077125051, "order_id": "ord/1", "fee": {"depositFee": 0, "currency": "btc"}}'
np_canonical = json.dumps(json.loads(np_body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
add("nowpayments-derived", "nowpayments", [secret], {"x-nowpayments-sig": mac("sha512", secret.encode(), np_canonical.encode()).hex()}, body=np_body)
add("nowpayments-not-json", "nowpayments", [secret], {"x-nowpayments-sig": "00"}, body="payment_status=finished", valid=False, error="malformed-body")

# Generic HMAC: the guide's X-Signature, SHA-512 base64 with a prefix, SHA-1.
add("hmac-guide-x-signature", "hmac", [secret], {"X-Signature": mac("sha256", secret.encode(), BODY.encode()).hex()},
    hmac_scheme={"header": "X-Signature", "algorithm": "sha256", "encoding": "hex", "prefix": None})
add("hmac-sha512-base64-prefix", "hmac", [secret], {"X-Sig": "sha512=" + b64(mac("sha512", secret.encode(), BODY.encode()))},
    hmac_scheme={"header": "X-Sig", "algorithm": "sha512", "encoding": "base64", "prefix": "sha512="})
add("hmac-sha1-hex", "hmac", [secret], {"X-Sig-1": mac("sha1", secret.encode(), BODY.encode()).hex()},
    hmac_scheme={"header": "X-Sig-1", "algorithm": "sha1", "encoding": "hex", "prefix": None})

out = {"about": "Vectors derived from published constructions (see derive.py); same shape as webhook-signatures.json, with `secrets` lists.", "vectors": vectors}
pathlib.Path(__file__).with_name("webhook-derived.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
print(f"{len(vectors)} derived vectors")
