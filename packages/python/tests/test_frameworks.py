"""paywit.asgi and paywit.wsgi in real frameworks on real servers (a subprocess each, on a loopback
port, started once for the module): FastAPI on uvicorn (the dependency, with and without a pydantic
body parameter, and the middleware), a Starlette route on uvicorn, Flask and Django under gunicorn.
Each gets a valid delivery, one signed with the older secret of the rotation, a tampered one, a
stale one, an oversized one (by Content-Length, its body never sent; and chunked, never ended), a
wrong method, and apps where something reads the body before the adapter: a loud 500 naming the
fix where the bytes are gone, 200 where the framework kept them. The apps are in tests/apps/.
Then the adapters in-process: on_error's typed reasons, the log line, the argument checks."""
import asyncio
import io
import json
import logging
import subprocess
import sys
import time

import pytest

import paywit
from apps.harness import APPS, Server, event, send, send_chunked, send_headers_only, signed
from apps.layers import MAX_BODY
from paywit import webhooks

NEW = webhooks.new_secret(webhooks.SchemeStandardWebhooks())
OLD = webhooks.new_secret(webhooks.SchemeStandardWebhooks())
ENV = {"PAYWIT_WEBHOOK_SECRET": f"{NEW} {OLD}"}  # the rotation list, newest first
MESSAGE = paywit.BodyAlreadyReadError.MESSAGE


def uvicorn(app):
    return ["{python}", "-m", "uvicorn", f"asgi_apps:{app}", "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning"]


def gunicorn(app):
    return ["{python}", "-m", "gunicorn", app, "-b", "127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"]


COMMANDS = {"fastapi": uvicorn("fastapi_app"), "starlette": uvicorn("starlette_app"),
            "flask": gunicorn("flask_app:app"), "django": gunicorn("django_app:application")}


@pytest.fixture(scope="module")
def servers():
    """All four servers, launched together (their start-ups overlap) and stopped at the end."""
    started = {name: Server(name, argv, APPS, ENV).start() for name, argv in COMMANDS.items()}
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture
def serve(servers):
    """The port of a framework's server, once it answers."""
    return lambda name: servers[name].ready().port


# name: (server, path, the 401's body: empty from the middlewares, the framework's handler's from
# the dependency, which raises HTTPException(401): the status phrase, never the reason)
TARGETS = {
    "fastapi-dependency": ("fastapi", "/dep", b'{"detail":"Unauthorized"}'),
    "fastapi-dependency-with-body-model": ("fastapi", "/dep-model", b'{"detail":"Unauthorized"}'),
    "fastapi-middleware": ("fastapi", "/mw", b""),
    "starlette-route": ("starlette", "/route", b"Unauthorized"),
    "flask": ("flask", "/webhooks", b""),
    "django": ("django", "/webhooks", b""),
}
targets = pytest.mark.parametrize("target", list(TARGETS))


def delivered(response, message_id, secret_index=0):
    """The handler ran once for this delivery: it saw the message id, the matched secret, and the
    same event through the Delivery and through the framework's own parser of the replayed body."""
    assert response.status == 200, (response.status, response.body)
    seen = response.json()
    assert seen == {"message_id": message_id, "secret_index": secret_index, "type": "payment.succeeded",
                    "parsed_type": "payment.succeeded"}


@targets
def test_a_valid_delivery_reaches_the_handler(serve, target):
    server, path, _ = TARGETS[target]
    body = event()
    delivered(send(serve(server), "POST", path, body, signed(NEW, body, f"msg_{target}")), f"msg_{target}")


@targets
def test_a_delivery_signed_with_the_older_secret_verifies_during_rotation(serve, target):
    server, path, _ = TARGETS[target]
    body = event()
    delivered(send(serve(server), "POST", path, body, signed(OLD, body, "msg_rotated")), "msg_rotated", secret_index=1)


@targets
def test_a_chunked_delivery_verifies(serve, target):
    server, path, _ = TARGETS[target]
    body = event()
    delivered(send_chunked(serve(server), path, signed(NEW, body, "msg_chunked"), [body[:7], body[7:30], body[30:]]), "msg_chunked")


@targets
def test_a_tampered_delivery_is_401_with_nothing_said(serve, target):
    server, path, unauthorized = TARGETS[target]
    body = event()
    tampered = body.replace(b"1000", b"9000")
    answer = send(serve(server), "POST", path, tampered, signed(NEW, body, "msg_tampered"))
    assert (answer.status, answer.body) == (401, unauthorized)


@targets
def test_a_stale_delivery_is_401(serve, target):
    server, path, unauthorized = TARGETS[target]
    body = event()
    answer = send(serve(server), "POST", path, body, signed(NEW, body, "msg_stale", signed_at=int(time.time()) - 3600))
    assert (answer.status, answer.body) == (401, unauthorized)


@targets
def test_a_wrong_method_is_405_with_allow_post(serve, target):
    server, path, _ = TARGETS[target]
    for method in ("GET", "PUT"):
        answer = send(serve(server), method, path)
        assert answer.status == 405 and "POST" in answer.headers["allow"], (method, answer)


OVERSIZE = [t for t in TARGETS if t != "fastapi-dependency-with-body-model"]


@pytest.mark.parametrize("target", OVERSIZE)
def test_an_oversized_content_length_is_413_before_the_body_is_read(serve, target):
    # Only the headers are sent: an answer within the client's timeout proves nothing waited for the body.
    server, path, _ = TARGETS[target]
    body = event()
    answer = send_headers_only(serve(server), path, signed(NEW, body, "msg_huge"), 10**9, timeout=10)
    assert answer.status == 413


@pytest.mark.parametrize("target", OVERSIZE)
def test_an_oversized_chunked_body_is_413_once_it_passes_the_cap(serve, target):
    # The body never ends: the answer comes as soon as the cap is passed.
    server, path, _ = TARGETS[target]
    body = event()
    chunks = [b"x" * 1000] * (MAX_BODY // 1000 + 2)
    answer = send_chunked(serve(server), path, signed(NEW, body, "msg_chunky"), chunks, end=False, timeout=10)
    assert answer.status == 413


def test_a_pydantic_body_parameter_is_read_by_fastapi_first_then_capped(serve):
    # FastAPI reads a body parameter before any dependency (documented): the cap still refuses it.
    port = serve("fastapi")
    body = event(pad=MAX_BODY)
    answer = send(port, "POST", "/dep-model", body, signed(NEW, body, "msg_big"))
    assert answer.status == 413


# (server, path, what reads the body first, expected): 500 with the fix where the bytes are gone,
# 200 where the framework kept the raw bytes or the reader runs after the adapter.
BODY_FIRST = {
    "asgi-middleware-drains-receive-then-middleware": ("fastapi", "/drained/mw", 500),
    "asgi-middleware-drains-receive-then-dependency": ("fastapi", "/drained/dep", 500),
    "starlette-base-middleware-caches-body-then-middleware": ("fastapi", "/cached/mw", 200),
    "asgi-middleware-drains-receive-then-starlette-route": ("starlette", "/drained/route", 500),
    "starlette-route-parses-json-first": ("starlette", "/route-json-first", 200),
    "starlette-route-streams-body-first": ("starlette", "/route-stream-first", 500),
    "wsgi-middleware-drains-input-then-flask": ("flask", "/drained/webhooks", 500),
    "werkzeug-get-data-caches-then-flask": ("flask", "/cached/webhooks", 200),
    "flask-before-request-reads-form-and-data": ("flask", "/parsed/webhooks", 200),
    "wsgi-middleware-drains-input-then-django": ("django", "/drained/webhooks", 500),
    "django-middleware-reads-post-and-body": ("django", "/parsed/webhooks", 200),
}


@pytest.mark.parametrize("case", list(BODY_FIRST))
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_read_before_the_adapter_is_a_loud_500_never_a_401(serve, case, framing):
    server, path, expected = BODY_FIRST[case]
    body = event()
    headers = signed(NEW, body, "msg_first")
    port = serve(server)

    def post(data):
        return send(port, "POST", path, data, headers) if framing == "content-length" else send_chunked(port, path, headers, [data])

    answer = post(body)
    if expected == 200:
        delivered(answer, "msg_first")
        return
    assert answer.status == 500, (answer.status, answer.body)
    text = json.loads(answer.body)["detail"] if answer.headers.get("content-type") == "application/json" else answer.body.decode()
    assert text.strip() == MESSAGE
    # A tampered delivery is the same 500: the adapter never got to verify, so it says so.
    assert post(body + b" ").status == 500


def test_other_paths_pass_through_untouched(serve):
    for server in ("fastapi", "flask", "django"):
        assert send(serve(server), "GET", "/").body.strip(b'"') == b"ok"


# ---------- in-process: the adapters' hooks, log line and checks ----------

VERIFIER = paywit.Verifier("standard-webhooks", [NEW, OLD])


def asgi_call(app, path="/hook", method="POST", body=b"", headers=(), messages=None):
    """Runs an ASGI app on one request; returns (status, headers, body, the scope the inner app saw)."""
    inbox = list(messages) if messages is not None else [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send_(message):
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": method, "path": path,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers]}
    asyncio.run(app(scope, receive, send_))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


async def echo_app(scope, receive, send):
    """An inner ASGI app that answers what it saw: the delivery's id and the replayed body."""
    message = await receive()
    delivery = scope["state"]["paywit_delivery"]
    payload = json.dumps({"id": delivery.message_id, "replayed": message["body"] == delivery.body}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": payload})


def test_asgi_middleware_reports_the_typed_reason_to_on_error_and_answers_nothing_of_it():
    reasons = []
    app = paywit.asgi.WebhookMiddleware(echo_app, VERIFIER, path="/hook", max_body=64, on_error=lambda scope, e: reasons.append(e))
    body = b'{"type":"x"}'
    headers = signed(NEW, body, "msg_1")
    assert asgi_call(app, body=body, headers=headers.items())[2] == b'{"id": "msg_1", "replayed": true}'
    assert asgi_call(app, body=b'{"type":"y"}', headers=headers.items())[::2] == (401, b"")
    stale = signed(NEW, body, "msg_2", signed_at=int(time.time()) - 3600)
    assert asgi_call(app, body=body, headers=stale.items())[0] == 401
    status, response_headers, _ = asgi_call(app, body=b"x" * 100, headers=[("content-length", "100")])
    assert (status, response_headers[b"connection"]) == (413, b"close")
    chunks = [{"type": "http.request", "body": b"x" * 40, "more_body": True}] * 3
    assert asgi_call(app, headers=[("transfer-encoding", "chunked")], messages=chunks)[0] == 413
    assert asgi_call(app, method="GET")[:2] == (405, {b"content-length": b"0", b"allow": b"POST"})
    assert [type(e) for e in reasons] == [webhooks.VerifyNoMatchingSignatureError, webhooks.VerifyTimestampOutsideToleranceError,
                                          webhooks.VerifyLimitExceededError, webhooks.VerifyLimitExceededError]
    assert reasons[2].details == webhooks.LimitExceeded(what=webhooks.Limit.BODY_BYTES, max=64, actual=100)
    assert reasons[3].details.actual == 80  # the bytes read when it passed the cap
    assert all(NEW not in repr(e) and OLD not in repr(e) for e in reasons)


def test_asgi_middleware_awaits_a_coroutine_on_error_before_it_answers():
    """A receiver records a refusal (a database write) in on_error: the 401 must not go out before
    that write is done, or a crash right after the answer loses the record."""
    events = []

    async def on_error(scope, error):
        await asyncio.sleep(0.01)
        events.append(("recorded", type(error).__name__))

    async def send_after(app, body, headers):
        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send_(message):
            if message["type"] == "http.response.start":
                events.append(("answered", message["status"]))
        scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/hook",
                 "headers": [(k.lower().encode(), v.encode()) for k, v in headers]}
        await app(scope, receive, send_)

    app = paywit.asgi.WebhookMiddleware(echo_app, VERIFIER, path="/hook", on_error=on_error)
    asyncio.run(send_after(app, b'{"type":"y"}', signed(NEW, b'{"type":"x"}', "msg_1").items()))
    assert events == [("recorded", "VerifyNoMatchingSignatureError"), ("answered", 401)]


def test_asgi_middleware_logs_a_body_read_before_it_and_answers_the_fix(caplog):
    app = paywit.asgi.WebhookMiddleware(echo_app, VERIFIER, path="/hook")
    body = b'{"type":"x"}'
    headers = [*signed(NEW, body, "msg_1").items(), ("content-length", str(len(body)))]
    with caplog.at_level(logging.ERROR, logger="paywit"):
        status, response_headers, answer = asgi_call(app, body=b"", headers=headers)  # declared, but gone
    assert (status, answer.decode().strip()) == (500, MESSAGE)
    assert response_headers[b"content-type"] == b"text/plain; charset=utf-8"
    assert [r.getMessage() for r in caplog.records] == [f"{MESSAGE} (method=POST path=/hook)"]
    # An empty chunked body that does not verify is the same mistake (a gateway sends no empty chunked body).
    assert asgi_call(app, headers=[("transfer-encoding", "chunked")])[0] == 500
    # A client that goes away before its body is read gets no answer, and the app is not called.
    with pytest.raises(StopIteration):
        asgi_call(app, headers=headers, messages=[{"type": "http.disconnect"}])


def test_asgi_middleware_passes_other_scopes_and_paths_through():
    calls = []

    async def inner(scope, receive, send):
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = paywit.asgi.WebhookMiddleware(inner, VERIFIER, path="/hook")
    assert asgi_call(app, path="/other", method="GET")[0] == 204
    assert asgi_call(app, path="/hook/x")[0] == 204
    assert calls == ["/other", "/hook/x"]


def wsgi_call(app, path="/hook", method="POST", body=b"", headers=None, environ=None):
    """Runs a WSGI app on one request; returns (status, headers, body)."""
    from wsgiref.util import setup_testing_defaults

    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    for name, value in (headers or {}).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    env.update(environ or {})
    setup_testing_defaults(env)
    started = []
    answer = b"".join(app(env, lambda status, hs, exc_info=None: started.append((status, hs))))
    return int(started[0][0].split()[0]), dict(started[0][1]), answer


def wsgi_echo(environ, start_response):
    delivery = paywit.wsgi.delivery(environ)
    payload = json.dumps({"id": delivery.message_id, "replayed": environ["wsgi.input"].read() == delivery.body,
                          "length": environ["CONTENT_LENGTH"]}).encode()
    start_response("200 OK", [])
    return [payload]


def test_wsgi_middleware_reports_the_typed_reason_to_on_error_and_answers_nothing_of_it():
    reasons = []
    app = paywit.wsgi.WebhookMiddleware(wsgi_echo, VERIFIER, path="/hook", max_body=64, on_error=lambda env, e: reasons.append(e))
    body = b'{"type":"x"}'
    headers = signed(NEW, body, "msg_1")
    assert wsgi_call(app, body=body, headers=headers)[2] == b'{"id": "msg_1", "replayed": true, "length": "12"}'
    assert wsgi_call(app, body=b'{"type":"y"}', headers=headers)[::2] == (401, b"")
    assert wsgi_call(app, body=b"x" * 100)[0] == 413
    chunked_env = {"CONTENT_LENGTH": "", "wsgi.input_terminated": True}  # a server that decodes chunked bodies
    assert wsgi_call(app, body=b"x" * 100, environ=chunked_env)[0] == 413
    chunked = wsgi_call(app, body=body, headers=headers, environ=chunked_env)
    assert chunked[2] == b'{"id": "msg_1", "replayed": true, "length": "12"}'  # CONTENT_LENGTH set for Django
    assert wsgi_call(app, body=body, headers={"Transfer-Encoding": "chunked"}, environ={"CONTENT_LENGTH": ""})[0] == 411
    # No body at all (no length, no Transfer-Encoding) on a server that terminates its input: a plain 401.
    assert wsgi_call(app, headers=headers, environ=chunked_env)[0] == 401
    assert wsgi_call(app, method="DELETE")[:2] == (405, {"Content-Length": "0", "Allow": "POST"})
    assert [type(e) for e in reasons] == [webhooks.VerifyNoMatchingSignatureError, webhooks.VerifyLimitExceededError,
                                          webhooks.VerifyLimitExceededError, webhooks.VerifyNoMatchingSignatureError]
    assert reasons[1].details.actual == 100 and reasons[2].details.actual == 65


def test_wsgi_middleware_logs_a_body_read_before_it_and_answers_the_fix(caplog):
    app = paywit.wsgi.WebhookMiddleware(wsgi_echo, VERIFIER, path="/hook")
    body = b'{"type":"x"}'
    drained = io.BytesIO(body)
    drained.read()
    with caplog.at_level(logging.ERROR, logger="paywit"):
        status, headers, answer = wsgi_call(app, body=body, headers=signed(NEW, body, "msg_1"), environ={"wsgi.input": drained})
    assert (status, answer.decode().strip(), headers["Content-Type"]) == (500, MESSAGE, "text/plain; charset=utf-8")
    assert [r.getMessage() for r in caplog.records] == [f"{MESSAGE} (method=POST path=/hook)"]


def test_a_client_that_went_away_mid_body_is_a_400_not_a_misconfiguration(caplog):
    """WSGI servers give a short read when the client drops mid-body: that is the client's fault
    (400), not a body read before paywit (the 500 and its log line are for a misconfiguration)."""
    app = paywit.wsgi.WebhookMiddleware(wsgi_echo, VERIFIER, path="/hook")
    body = b'{"type":"x"}'
    with caplog.at_level(logging.ERROR, logger="paywit"):
        status, _, answer = wsgi_call(app, body=body[:5], headers=signed(NEW, body, "msg_1"), environ={"CONTENT_LENGTH": str(len(body))})
    assert (status, answer, caplog.records) == (400, b"", [])


@pytest.mark.parametrize("length, status", [("\u00b2", 400), ("1" * 5000, 413), ("0" * 30 + "12", 200), ("+12", 400)])
def test_a_content_length_only_int_would_take_or_refuse_is_answered_not_raised(length, status):
    """str.isdigit takes a superscript two and int() refuses 5,000 digits: neither may become a 500."""
    body = b'{"type":"x"}'
    headers = signed(NEW, body, "msg_1")
    wsgi = paywit.wsgi.WebhookMiddleware(wsgi_echo, VERIFIER, path="/hook")
    assert wsgi_call(wsgi, body=body, headers=headers, environ={"CONTENT_LENGTH": length})[0] == status
    asgi = paywit.asgi.WebhookMiddleware(echo_app, VERIFIER, path="/hook")
    raw = [*headers.items(), ("content-length", length.encode("utf-8").decode("latin-1"))]
    assert asgi_call(asgi, body=body, headers=raw)[0] == status


def test_a_content_length_beside_a_transfer_encoding_does_not_frame_the_body():
    """RFC 9112 6.3: with a Transfer-Encoding the Content-Length is ignored (h11 decodes the chunks
    and passes both headers): the decoded body is verified, never taken for a short one."""
    app = paywit.asgi.WebhookMiddleware(echo_app, VERIFIER, path="/hook")
    body = b'{"type":"x"}'
    headers = [*signed(NEW, body, "msg_1").items(), ("content-length", "100"), ("transfer-encoding", "chunked")]
    assert asgi_call(app, body=body, headers=headers)[::2] == (200, b'{"id": "msg_1", "replayed": true}')


def test_the_dependency_awaits_a_coroutine_on_error():
    from starlette.exceptions import HTTPException
    from starlette.requests import Request

    seen = []

    async def on_error(request, error):
        await asyncio.sleep(0)
        seen.append(type(error).__name__)

    body = b'{"type":"y"}'
    headers = signed(NEW, b'{"type":"x"}', "msg_1")

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/hook", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    dependency = paywit.asgi.verified_delivery(VERIFIER, on_error=on_error)
    with pytest.raises(HTTPException) as refused:
        asyncio.run(dependency(Request(scope, receive)))
    assert (refused.value.status_code, seen) == (401, ["VerifyNoMatchingSignatureError"])


def test_wsgi_delivery_names_the_missing_middleware():
    with pytest.raises(RuntimeError, match="wrap the WSGI application in paywit.wsgi.WebhookMiddleware"):
        paywit.wsgi.delivery({})


def test_delivery_exposes_the_verification_and_parses_on_call():
    delivery = paywit.Delivery(webhooks.Verified(secret_index=1, message_id="msg_1", signed_at=5), b'{"card": [1]}')
    assert (delivery.message_id, delivery.signed_at, delivery.secret_index, delivery.json()) == ("msg_1", 5, 1, {"card": [1]})
    assert "card" not in repr(delivery) and "msg_1" in repr(delivery)  # the body may hold personal data
    with pytest.raises(AttributeError):
        delivery.body = b""  # frozen
    error = paywit.BodyAlreadyReadError()
    assert isinstance(error, paywit.PaywitError) and isinstance(error, RuntimeError)
    assert (str(error), error.code) == (MESSAGE, "body-already-read")
    assert "mount paywit's adapter before any body parser" in MESSAGE


def test_max_body_defaults_to_the_component_limit_and_is_capped_at_it():
    limit = 16 << 20
    assert paywit.delivery.DEFAULT_MAX_BODY == limit
    for module in (paywit.asgi, paywit.wsgi):
        assert module.WebhookMiddleware(echo_app, VERIFIER, path="/h").max_body == limit
        assert module.WebhookMiddleware(echo_app, VERIFIER, path="/h", max_body=1 << 30).max_body == limit
        for bad in (0, -1, 1.5, "1"):
            with pytest.raises(paywit.InvalidArgumentError):
                module.WebhookMiddleware(echo_app, VERIFIER, path="/h", max_body=bad)
        with pytest.raises(TypeError):
            module.WebhookMiddleware(echo_app, "not a verifier", path="/h")


def test_importing_paywit_imports_no_framework():
    code = "import sys, paywit, paywit.asgi, paywit.wsgi; print(sorted(m for m in ('starlette', 'fastapi', 'flask', 'django', 'werkzeug') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=APPS.parent.parent)
    assert out.stdout.strip() == "[]"
