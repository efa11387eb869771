"""A webhook endpoint on Flask: paywit verifies each delivery (Standard Webhooks) from the raw body
it reads itself, before Flask sees the request. Run: gunicorn app:app -b 127.0.0.1:8000"""
import os

from flask import Flask, request

import paywit

# The rotation list, newest first: PAYWIT_WEBHOOK_SECRET="whsec_new whsec_old" while rotating.
# A secret the scheme cannot use fails here, at start-up, naming its index (never the secret).
verifier = paywit.Verifier("standard-webhooks", os.environ["PAYWIT_WEBHOOK_SECRET"].split())

# Stands in for your database: record the message id under a unique key, in the same
# transaction as the work, and a redelivery is a no-op.
seen: set = set()

app = Flask(__name__)


@app.post("/webhooks")
def webhook() -> dict:
    delivery = paywit.wsgi.delivery(request.environ)  # only a verified delivery gets here
    if delivery.message_id in seen:
        return {"duplicate": True}  # 200: the gateway stops redelivering
    seen.add(delivery.message_id)  # record the event id BEFORE processing (INSERT ... ON CONFLICT DO NOTHING)
    try:
        event = delivery.json()  # parsed from the verified raw bytes (request.get_json() works too)
        print(f"{delivery.message_id}: {event['type']}", flush=True)  # your processing here
    except Exception:
        seen.discard(delivery.message_id)  # not processed: the gateway's redelivery will be
        raise
    return {"received": delivery.message_id, "type": event["type"]}


# paywit wraps the WSGI app, so it reads the raw body before Flask or any before_request hook can.
# It answers 405 (not POST), 413 (over 1 MiB, before reading it) and 401 (no reason) itself.
app.wsgi_app = paywit.wsgi.WebhookMiddleware(app.wsgi_app, verifier, path="/webhooks", max_body=1 << 20)
