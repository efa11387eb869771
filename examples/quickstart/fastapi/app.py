"""A webhook endpoint on FastAPI: paywit verifies each delivery (Standard Webhooks) from the raw
body it reads itself, before the handler runs. Run: uvicorn app:app --port 8000"""
import os
from typing import Annotated

from fastapi import Depends, FastAPI

import paywit

# The rotation list, newest first: PAYWIT_WEBHOOK_SECRET="whsec_new whsec_old" while rotating.
# A secret the scheme cannot use fails here, at start-up, naming its index (never the secret).
verifier = paywit.Verifier("standard-webhooks", os.environ["PAYWIT_WEBHOOK_SECRET"].split())

# A dependency that reads the raw body itself (capped at 1 MiB: a bigger one gets 413 before it
# is read) and answers 401, with no reason, for a delivery that does not verify.
verified = paywit.asgi.verified_delivery(verifier, max_body=1 << 20)

# Stands in for your database: record the message id under a unique key, in the same
# transaction as the work, and a redelivery is a no-op.
seen: set = set()

app = FastAPI()


@app.post("/webhooks")
def webhook(delivery: Annotated[paywit.Delivery, Depends(verified)]) -> dict:
    if delivery.message_id in seen:
        return {"duplicate": True}  # 200: the gateway stops redelivering
    seen.add(delivery.message_id)  # record the event id BEFORE processing (INSERT ... ON CONFLICT DO NOTHING)
    try:
        event = delivery.json()  # parsed from the verified raw bytes
        print(f"{delivery.message_id}: {event['type']}", flush=True)  # your processing here
    except Exception:
        seen.discard(delivery.message_id)  # not processed: the gateway's redelivery will be
        raise
    return {"received": delivery.message_id, "type": event["type"]}
