#!/usr/bin/env python3
"""Derive webhook vectors for schemes without published ones.

Computed with Python's standard hmac/hashlib/base64 only (an implementation
independent of paywit's Rust code), from each gateway's published construction.
Deterministic: run it and commit `webhook-derived.json`; the conformance tests
of every host read both that file and the published `webhook-signatures.json`.
"""
import base64, hashlib, hmac, json, pathlib, sys

def mac(alg, key, msg):
    return hmac.new(key, msg, getattr(hashlib, alg)).digest()

def b64(b): return base64.b64encode(b).decode()

BODY = '{"id":"evt_1","type":"payment.succeeded","amount":9900,"note":"caf\u00e9 \u2603"}'
TS = 1700000000
vectors = []

def expected(scheme, headers, secret_index=0):
    """What a valid vector must verify to: the matching secret's index, the
    signed message id and the signed time, read from the construction."""
    h = {k.lower(): v for k, v in headers.items()}
    message_id = signed_at = None
    if scheme == "standard-webhooks":
        message_id = h.get("webhook-id", h.get("svix-id"))
        signed_at = int(h.get("webhook-timestamp", h.get("svix-timestamp")))
    elif scheme == "stripe":
        signed_at = int(next(p[2:] for p in h["stripe-signature"].split(",") if p.startswith("t=")))
    elif scheme == "slack":
        signed_at = int(h["x-slack-request-timestamp"])
    elif scheme == "paddle":
        signed_at = int(next(p[3:] for p in h["paddle-signature"].split(";") if p.startswith("ts=")))
    return {"secret_index": secret_index, "message_id": message_id, "signed_at": signed_at}

def add(name, scheme, secrets, headers, body=BODY, valid=True, error=None, now=None, tolerance=None, url=None, hmac_scheme=None,
        secret_index=0, source="derived with Python hmac from the published construction"):
    v = {"name": name, "scheme": scheme, "secrets": secrets, "headers": headers, "body": body, "valid": valid}
    if valid: v["expect"] = expected(scheme, headers, secret_index)
    if error: v["error"] = error
    if now is not None: v["now"] = now
    if tolerance is not None: v["tolerance"] = tolerance
    if url is not None: v["url"] = url
    if hmac_scheme is not None: v["hmac"] = hmac_scheme
    v["source"] = source
    vectors.append(v)

# Standard Webhooks v1: rotation, svix names, several signatures, stale and future.
sw_key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
sw_old = "whsec_" + b64(b"0123456789abcdef0123456789abcdef")
def sw_sig(key, mid, ts, body): return "v1," + b64(mac("sha256", key, f"{mid}.{ts}.{body}".encode()))
sig = sw_sig(sw_key, "msg_derived", TS, BODY)
hdr = {"webhook-id": "msg_derived", "webhook-timestamp": str(TS), "webhook-signature": sig}
add("sw-rotation-second-secret", "standard-webhooks", [sw_old, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], hdr, now=TS, secret_index=1)
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

# The Standard Webhooks reference libraries' own test suites (Python, JavaScript,
# Go), as vectors: their secret spellings (unpadded, one and two padding
# characters missing, with and without whsec_), and their error cases. Keys are
# decoded as the Python reference does: b64decode(secret + "==").
REF = "case from the Standard Webhooks reference test suites (Python, JavaScript, Go)"
ref_id, ref_ts, ref_body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'
def ref_key(secret): return base64.b64decode(secret.removeprefix("whsec_") + "==")
def ref_headers(secret, ts=ref_ts, **changes):
    h = {"webhook-id": ref_id, "webhook-timestamp": str(ts), "webhook-signature": sw_sig(ref_key(secret), ref_id, ts, ref_body)}
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None: h.pop(name)
        else: h[name] = value
    return h
ref_secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
for label, secret in [("no-padding", ref_secret), ("one-padding-missing", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"),
                      ("two-padding-missing", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr")]:
    for prefix in ("", "whsec_"):
        add(f"ref-secret-{label}{'-prefixed' if prefix else ''}", "standard-webhooks", [prefix + secret], ref_headers(secret),
            body=ref_body, now=ref_ts, source=REF)
assert ref_headers(ref_secret)["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "the reference sign test"
for secret in ("", "whsec_"):
    add(f"ref-empty-secret-{secret or 'bare'}", "standard-webhooks", [secret], ref_headers(ref_secret), body=ref_body, now=ref_ts,
        valid=False, error="unusable-secret", source=REF)
for name, changes, error in [
    ("missing-id", {"webhook_id": None}, "missing-header"),
    ("missing-timestamp", {"webhook_timestamp": None}, "missing-header"),
    ("missing-signature", {"webhook_signature": None}, "missing-header"),
    ("invalid-timestamp", {"webhook_timestamp": "hello"}, "malformed-header"),
    ("invalid-signature", {"webhook_signature": "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="}, "no-matching-signature"),
    ("partial-signature", {"webhook_signature": "v1,"}, None),
    ("partial-signature-8", {"webhook_signature": ref_headers(ref_secret)["webhook-signature"][:8]}, None),
    ("garbage-signature", {"webhook_signature": "v1,dawfeoifkpqwoekfpqoekf"}, None),
    ("other-timestamp", {"webhook_timestamp": "946684800"}, "no-matching-signature"),
]:
    add(f"ref-{name}", "standard-webhooks", [ref_secret], ref_headers(ref_secret, **changes), body=ref_body, now=ref_ts,
        tolerance=None if name != "other-timestamp" else 2**32 - 1, valid=False, error=error, source=REF)
multi = " ".join(["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                  ref_headers(ref_secret)["webhook-signature"], "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="])
add("ref-multi-signature", "standard-webhooks", [ref_secret], ref_headers(ref_secret, webhook_signature=multi), body=ref_body, now=ref_ts, source=REF)
add("ref-old-timestamp", "standard-webhooks", [ref_secret], ref_headers(ref_secret, ref_ts - 301), body=ref_body, now=ref_ts,
    valid=False, error="timestamp-outside-tolerance", source=REF)
add("ref-new-timestamp", "standard-webhooks", [ref_secret], ref_headers(ref_secret, ref_ts + 301), body=ref_body, now=ref_ts,
    valid=False, error="timestamp-outside-tolerance", source=REF)
add("ref-old-timestamp-wide-tolerance", "standard-webhooks", [ref_secret], ref_headers(ref_secret, ref_ts - 301), body=ref_body,
    now=ref_ts, tolerance=3600, source=REF)

published = json.loads(pathlib.Path(__file__).with_name("webhook-signatures.json").read_text())["vectors"]
published_expected = {v["name"]: expected(v["scheme"], v["headers"]) for v in published if v["valid"]}
out = {"about": "Vectors derived from published constructions (see derive.py); same shape as webhook-signatures.json, with "
                "`secrets` lists. `expect` (and `published_expected` for the published file) is what a valid vector verifies to.",
       "published_expected": published_expected, "vectors": vectors}
target = pathlib.Path(__file__).with_name("webhook-derived.json")
text = json.dumps(out, indent=1, ensure_ascii=False) + "\n"
if "--check" in sys.argv:
    # CI: the committed file must be exactly what this script derives.
    if target.read_text() != text:
        sys.exit(f"{target.name} differs from what derive.py derives: run `python3 {__file__}` and commit the result")
    print(f"{target.name}: {len(vectors)} derived vectors, up to date")
else:
    target.write_text(text)
    print(f"{len(vectors)} derived vectors")
