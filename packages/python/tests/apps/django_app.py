"""The Django test app (a single-file project), served by gunicorn: paywit's WSGI middleware around
Django's WSGI application, with variants where something reads the body: a Django middleware that
reads request.POST and request.body (inside paywit: /parsed/), a WSGI middleware draining it in
front (/drained/)."""
import json

from django.conf import settings

settings.configure(DEBUG=False, ALLOWED_HOSTS=["127.0.0.1", "localhost"], ROOT_URLCONF=__name__,
                   MIDDLEWARE=["django_app.ReadsBodyFirst"])

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after settings)
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

import paywit  # noqa: E402
from layers import MAX_BODY, DrainsInput, verifier  # noqa: E402


class ReadsBodyFirst:
    """A Django middleware that parses the body before the view (as a form parser or logger does)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/parsed/"):
            request.POST  # noqa: B018
            request.body  # noqa: B018
        return self.get_response(request)


def ready(request):
    return HttpResponse("ok")


def webhook(request):
    delivery = paywit.wsgi.delivery(request.META)
    return JsonResponse({"message_id": delivery.message_id, "secret_index": delivery.secret_index,
                         "type": delivery.json()["type"], "parsed_type": json.loads(request.body)["type"]})


urlpatterns = [path("", ready), path("webhooks", webhook), path("parsed/webhooks", webhook), path("drained/webhooks", webhook)]

VERIFIER = verifier()
application = get_wsgi_application()
for route in ("/webhooks", "/parsed/webhooks", "/drained/webhooks"):
    application = paywit.wsgi.WebhookMiddleware(application, VERIFIER, path=route, max_body=MAX_BODY)
application = DrainsInput(application, "/drained/")
