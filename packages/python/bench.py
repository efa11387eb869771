"""Per-call medians of verifying a JSON body (2 B, 1 KiB, 64 KiB) with a valid signature:
paywit (through the component) vs PyPI standardwebhooks and stripe, in one run; the other calls;
then the cold-start table (bench_cold.py: fresh processes, start to first verified delivery)."""
import json
import statistics
import time

import stripe
from standardwebhooks.webhooks import Webhook

import bench_cold
import paywit

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STRIPE_SECRET = "whsec_bench_secret"
NOW = int(time.time())
PEER = Webhook(SECRET)
# Looked up once: `stripe.<name>` goes through the package's lazy-import __getattr__ on every access.
STRIPE_VERIFY = stripe.WebhookSignature.verify_header
SW_VERIFIER = paywit.Verifier("standard-webhooks", SECRET)
STRIPE_VERIFIER = paywit.Verifier("stripe", STRIPE_SECRET)


def body_of(size):
    """A JSON body of `size` bytes (2: `{}`, the smallest a parser takes)."""
    if size <= 2:
        return "{}"
    return json.dumps({"type": "payment.succeeded", "data": {"id": "pay_123", "pad": "x" * (size - 64)}})


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
        for (_, fn), batch, out in zip(calls, batches, samples, strict=False):
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            out.append((time.perf_counter() - start) / batch * 1e6)
    return samples


def calls_for(size, with_one_shots):
    """(name, call, index of the paywit row it is compared with, relative to this size's first
    row): like for like, so PyPI standardwebhooks.verify (which also parses the JSON) is compared
    with a paywit verify + json.loads, and stripe's verify_header (no parse) with a verify."""
    body = body_of(size)
    headers = paywit.sign_webhook("standard-webhooks", SECRET, body, id="msg_bench", signed_at=NOW)
    # A realistic request carries other headers too.
    request_headers = {"Host": "api.example.com", "User-Agent": "Svix-Webhooks/1.0", "Content-Type": "application/json",
                       "Content-Length": str(len(body)), "Accept-Encoding": "gzip", **headers}
    stripe_header = paywit.sign_webhook("stripe", STRIPE_SECRET, body, signed_at=NOW)["Stripe-Signature"]
    stripe_headers = {"Stripe-Signature": stripe_header}

    def verifier_then_parse():
        SW_VERIFIER.verify(request_headers, body, now=NOW)
        return json.loads(body)

    rows = [
        ("paywit Verifier.verify + json.loads (standard-webhooks)", verifier_then_parse, 0),
        ("PyPI standardwebhooks verify (verifies and parses)", lambda: PEER.verify(body, headers), 0),
        ("paywit Verifier.verify (stripe)", lambda: STRIPE_VERIFIER.verify(stripe_headers, body, now=NOW), 2),
        ("PyPI stripe verify_header (verifies only)", lambda: STRIPE_VERIFY(body, stripe_header, STRIPE_SECRET, tolerance=300), 2),
    ]
    if with_one_shots:
        rows += [
            ("paywit verify_webhook (standard-webhooks, one call)",
             lambda: paywit.verify_webhook("standard-webhooks", SECRET, request_headers, body, now=NOW), 4),
            ("paywit verify_webhook (stripe, one call)",
             lambda: paywit.verify_webhook("stripe", STRIPE_SECRET, stripe_headers, body, now=NOW), 5),
        ]
    return len(body), rows


calls = []
for size in (2, 1024, 65536):
    length, rows = calls_for(size, with_one_shots=size == 1024)
    calls += [(length, name, fn, len(calls) + base) for name, fn, base in rows]
samples = measure([(name, fn) for _, name, fn, _ in calls])
print("python, bodies of 2 B, 1 KiB and 64 KiB (JSON)\n")
print("| body | call | median per call | vs its paywit row (median of per-round ratios; above 1: paywit faster) |")
print("|---|---|---|---|")
for (length, name, _, base), mine in zip(calls, samples, strict=False):
    ratio = statistics.median(m / o for m, o in zip(mine, samples[base], strict=False))
    print(f"| {length} B | {name} | {statistics.median(mine):.2f} us | {ratio:.2f}x |")

# The other interfaces: one generated call each (arguments checked, lowered, the call, the answer
# lifted), the figures of packages/python/CODEGEN.md's before/after.
FAILURE = paywit.Failure(status=503, retry_after="120")
POLICY = paywit.api_policy()
others = [
    ("retry.classify", lambda: paywit.classify(FAILURE)),
    ("retry.next_step", lambda: paywit.next_step(POLICY, 2, FAILURE, now=NOW)),
    ("retry.api_policy", paywit.api_policy),
    ("retry.parse_retry_after", lambda: paywit.parse_retry_after("120", now=NOW)),
]
samples = measure(others)
print("\npython, other calls\n")
print("| call | median per call |")
print("|---|---|")
for (name, _), mine in zip(others, samples, strict=True):
    print(f"| {name} | {statistics.median(mine):.2f} us |")

print()
bench_cold.main()
