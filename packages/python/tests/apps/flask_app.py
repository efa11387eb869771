"""The Flask test app, served by gunicorn: paywit's WSGI middleware around `app.wsgi_app`, with
variants where something reads the body: a before_request hook (inside paywit: /parsed/), a
Werkzeug request caching it in front (/cached/), a WSGI middleware draining it in front (/drained/)."""
from flask import Flask, jsonify, request

import paywit
from layers import MAX_BODY, DrainsInput, WerkzeugCachesBody, verifier

app = Flask(__name__)


@app.get("/")
def ready() -> str:
    return "ok"


@app.before_request
def parse_first() -> None:
    if request.path.startswith("/parsed/"):
        request.form  # noqa: B018 (a body parser that runs on every request)
        request.get_data()


@app.post("/webhooks")
@app.post("/parsed/webhooks")
@app.post("/cached/webhooks")
@app.post("/drained/webhooks")
def webhook() -> object:
    delivery = paywit.wsgi.delivery(request.environ)
    return jsonify(message_id=delivery.message_id, secret_index=delivery.secret_index,
                   type=delivery.json()["type"], parsed_type=request.get_json()["type"])


VERIFIER = verifier()
wsgi_app = app.wsgi_app
for path in ("/webhooks", "/parsed/webhooks", "/cached/webhooks", "/drained/webhooks"):
    wsgi_app = paywit.wsgi.WebhookMiddleware(wsgi_app, VERIFIER, path=path, max_body=MAX_BODY)
app.wsgi_app = DrainsInput(WerkzeugCachesBody(wsgi_app, "/cached/"), "/drained/")
