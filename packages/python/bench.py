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


def median_us(fn):
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        if time.perf_counter() - start > 0.01:
            break
        batch *= 2
    samples = []
    for _ in range(21):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - start) / batch * 1e6)
    return statistics.median(samples)


rows = [
    ("paywit verify_webhook (standard-webhooks)", median_us(lambda: paywit.verify_webhook("standard-webhooks", SECRET, REQUEST_HEADERS, BODY, now=NOW))),
    ("PyPI standardwebhooks verify", median_us(lambda: PEER.verify(BODY, HEADERS))),
    ("paywit verify_webhook (stripe)", median_us(lambda: paywit.verify_webhook("stripe", STRIPE_SECRET, {"Stripe-Signature": STRIPE_HEADER}, BODY, now=NOW))),
    ("PyPI stripe verify_header", median_us(lambda: stripe.WebhookSignature.verify_header(BODY, STRIPE_HEADER, STRIPE_SECRET, tolerance=300))),
]
print(f"python, body {len(BODY)} B\n")
print("| call | median per call | vs paywit |")
print("|---|---|---|")
for name, us in rows:
    ours = rows[2][1] if "stripe" in name else rows[0][1]
    print(f"| {name} | {us:.2f} us | {us / ours:.2f}x |")
