"""A webhook endpoint on Django, as a single-file project: paywit verifies each delivery (Standard
Webhooks) from the raw body it reads itself, before Django sees the request.
Run: gunicorn app:application -b 127.0.0.1:8000"""
import os

from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=os.environ.get("ALLOWED_HOSTS", "127.0.0.1 localhost").split(),
    ROOT_URLCONF=__name__,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after settings.configure)
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

import paywit  # noqa: E402

# The rotation list, newest first: PAYWIT_WEBHOOK_SECRET="whsec_new whsec_old" while rotating.
# A secret the scheme cannot use fails here, at start-up, naming its index (never the secret).
verifier = paywit.Verifier("standard-webhooks", os.environ["PAYWIT_WEBHOOK_SECRET"].split())

# Stands in for your database: record the message id under a unique key, in the same
# transaction as the work, and a redelivery is a no-op.
seen: set = set()


@csrf_exempt  # the signature is the authentication: a gateway sends no CSRF token
def webhook(request):
    delivery = paywit.wsgi.delivery(request.META)  # only a verified delivery gets here
    if delivery.message_id in seen:
        return JsonResponse({"duplicate": True})  # 200: the gateway stops redelivering
    seen.add(delivery.message_id)  # record the event id BEFORE processing (Model.objects.get_or_create)
    try:
        event = delivery.json()  # parsed from the verified raw bytes (request.body holds them too)
        print(f"{delivery.message_id}: {event['type']}", flush=True)  # your processing here
    except Exception:
        seen.discard(delivery.message_id)  # not processed: the gateway's redelivery will be
        raise
    return JsonResponse({"received": delivery.message_id, "type": event["type"]})


urlpatterns = [path("webhooks", webhook)]

# paywit wraps Django's WSGI application (in a full project: in wsgi.py), so it reads the raw body
# before any Django middleware can. It answers 405, 413 (over 1 MiB, before reading it) and 401.
application = paywit.wsgi.WebhookMiddleware(get_wsgi_application(), verifier, path="/webhooks", max_body=1 << 20)
