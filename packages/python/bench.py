"""Per-call medians of verifying one 1 KiB JSON body with a valid signature:
paywit (through the component) vs PyPI standardwebhooks and stripe, in one run."""
import json
import statistics
import time

import stripe
from standardwebhooks.webhooks import Webhook

import paywit

BODY = json.dumps({"type": "payment.succeeded", "data": {"id": "pay_123", "pad": "x" * (1024 - 64)}})
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = int(time.time())
HEADERS = paywit.sign_webhook("standard-webhooks", SECRET, BODY, id="msg_bench", signed_at=NOW)
# A realistic request carries other headers too.
REQUEST_HEADERS = {"Host": "api.example.com", "User-Agent": "Svix-Webhooks/1.0", "Content-Type": "application/json",
                   "Content-Length": str(len(BODY)), "Accept-Encoding": "gzip", **HEADERS}
STRIPE_SECRET = "whsec_bench_secret"
STRIPE_HEADER = paywit.sign_webhook("stripe", STRIPE_SECRET, BODY, signed_at=NOW)["Stripe-Signature"]
PEER = Webhook(SECRET)
# Looked up once: `stripe.<name>` goes through the package's lazy-import __getattr__ on every access.
STRIPE_VERIFY = stripe.WebhookSignature.verify_header


def batch_size(fn):
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        if time.perf_counter() - start > 0.01:
            return batch
        batch *= 2


def measure(calls):
    """Interleaved: every round times one batch of each call, so a slow spell of
    the machine hits all of them alike. Returns per-round microseconds per call."""
    batches = [batch_size(fn) for _, fn in calls]
    samples = [[] for _ in calls]
    for _ in range(21):
        for (_, fn), batch, out in zip(calls, batches, samples):
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            out.append((time.perf_counter() - start) / batch * 1e6)
    return samples


def verify_then_parse():
    paywit.verify_webhook("standard-webhooks", SECRET, REQUEST_HEADERS, BODY, now=NOW)
    return json.loads(BODY)


# (name, call, index of the paywit row it is compared with): like for like, so
# PyPI standardwebhooks.verify (which also parses the JSON) is compared with
# paywit verify + json.loads, and stripe's verify_header (no parse) with verify.
SW_VERIFIER = paywit.Verifier("standard-webhooks", SECRET)
STRIPE_VERIFIER = paywit.Verifier("stripe", STRIPE_SECRET)
STRIPE_HEADERS = {"Stripe-Signature": STRIPE_HEADER}


def verifier_then_parse():
    SW_VERIFIER.verify(REQUEST_HEADERS, BODY, now=NOW)
    return json.loads(BODY)


calls = [
    ("paywit verify_webhook (standard-webhooks)", lambda: paywit.verify_webhook("standard-webhooks", SECRET, REQUEST_HEADERS, BODY, now=NOW), 0),
    ("paywit verify_webhook + json.loads (standard-webhooks)", verify_then_parse, 1),
    ("paywit Verifier.verify + json.loads (standard-webhooks)", verifier_then_parse, 2),
    ("PyPI standardwebhooks verify (verifies and parses)", lambda: PEER.verify(BODY, HEADERS), 2),
    ("paywit verify_webhook (stripe)", lambda: paywit.verify_webhook("stripe", STRIPE_SECRET, STRIPE_HEADERS, BODY, now=NOW), 4),
    ("paywit Verifier.verify (stripe)", lambda: STRIPE_VERIFIER.verify(STRIPE_HEADERS, BODY, now=NOW), 5),
    ("PyPI stripe verify_header (verifies only)", lambda: STRIPE_VERIFY(BODY, STRIPE_HEADER, STRIPE_SECRET, tolerance=300), 5),
]
samples = measure([(name, fn) for name, fn, _ in calls])
print(f"python, body {len(BODY)} B\n")
print("| call | median per call | vs its paywit row (median of per-round ratios; above 1: paywit faster) |")
print("|---|---|---|")
for (name, _, base), mine in zip(calls, samples):
    ratio = statistics.median(m / o for m, o in zip(mine, samples[base]))
    print(f"| {name} | {statistics.median(mine):.2f} us | {ratio:.2f}x |")
