"""paywit for WSGI (Flask, Django, any WSGI app), hand-written: the raw body read by paywit itself
from `wsgi.input`, capped and verified before the application sees it, so the raw-body mistake
(verifying a body a parser already read, or re-serialised) cannot happen silently.

Wrap the WSGI application; the view gets the `Delivery` from the environ::

    app.wsgi_app = paywit.wsgi.WebhookMiddleware(app.wsgi_app, verifier, path="/webhooks")   # Flask
    delivery = paywit.wsgi.delivery(request.environ)

    application = paywit.wsgi.WebhookMiddleware(get_wsgi_application(), verifier, path="/webhooks")  # Django
    delivery = paywit.wsgi.delivery(request.META)

Wrapping the WSGI application puts paywit in front of every framework-level parser (Flask's
`before_request`, Django's middleware), which then read the same bytes again from the replayed
`wsgi.input`. Only another WSGI middleware wrapped around paywit's can read the body first; that
is answered with a loud 500 naming the fix.
"""
from __future__ import annotations

import io
from http import HTTPStatus
from typing import Any, Callable, Iterable, List, MutableMapping, Optional, Tuple, Union

from .delivery import (_check_middleware, DEFAULT_MAX_BODY, BodyAlreadyReadError, Delivery, _is_refusal, _log_body_already_read,
                       _max_body_bytes, _refusal, _too_large)
from .verifier import Verifier

__all__ = ["WebhookMiddleware", "delivery", "ENVIRON_KEY", "Environ", "StartResponse", "WSGIApp"]

Environ = MutableMapping[str, Any]
"""A WSGI environ."""
StartResponse = Callable[..., Any]
"""A WSGI start_response callable."""
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
"""A WSGI application."""

ENVIRON_KEY = "paywit.delivery"
"""The environ key of the verified `Delivery` (`request.environ` in Flask, `request.META` in Django)."""

_READ_SIZE = 1 << 16


def _headers(environ: Environ) -> List[Tuple[str, str]]:
    """The request's headers from the environ (HTTP_* and the two CGI ones), lower-case names."""
    headers = [(key[5:].replace("_", "-").lower(), value) for key, value in environ.items()
               if key.startswith("HTTP_") and isinstance(value, str)]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        value = environ.get(key)
        if isinstance(value, str) and value:
            headers.append((key.replace("_", "-").lower(), value))
    return headers


def _cached_by_werkzeug(environ: Environ) -> Optional[bytes]:
    """The raw body a Werkzeug request made in front of paywit (`Request(environ)`, as a Flask-style
    WSGI middleware does) read with `get_data()` and cached, or None."""
    request = environ.get("werkzeug.request")
    data = getattr(request, "_cached_data", None) if request is not None else None
    return data if isinstance(data, bytes) else None


class WebhookMiddleware:
    """A WSGI middleware that verifies each delivery to one path before the application sees it.

    For a request to `path` (matched exactly against `PATH_INFO`) it answers a method other than
    POST 405 (with `Allow: POST`), a CONTENT_LENGTH over `max_body` 413 before reading anything, a
    body of unknown length (chunked, where the server supports it: `wsgi.input_terminated`) 413 as
    soon as it passes `max_body` (it reads at most `max_body` + 1 bytes; a chunked body on a server
    that does not decode one is answered 411), and a delivery that does
    not verify 401 with an empty body, and never calls `app` for any of them. It reads
    `wsgi.input` itself, so it must come before anything that reads the body: when something
    already has (fewer bytes than CONTENT_LENGTH, or an empty chunked body) it answers 500 with
    `BodyAlreadyReadError`'s message, which names the fix, rather than a 401. (A Werkzeug request
    made in front of it that cached the raw bytes with `get_data()` still has them: those are
    verified.) A verified delivery calls `app` once with a copy of the environ holding the
    `Delivery` under `"paywit.delivery"` (see `delivery`), `wsgi.input` a fresh `io.BytesIO` of the
    body and CONTENT_LENGTH its length, so `request.get_json()` (Flask) and `request.body`
    (Django) still work. Other paths pass through untouched. A body that cannot be read (the client
    went away, a malformed chunk) is answered 400.

    `max_body` caps the body in bytes (default 16 MiB, the component's limit; a larger value is that
    limit). `url` is the full URL the delivery was sent to, for schemes that sign it (Square): a
    str (behind a proxy, the public URL the gateway was configured with) or a function of the
    environ. `on_error(environ, exc)`, when given, receives why a request was refused, for logging:
    a `paywit.webhooks.VerifyError` (for a body over `max_body`, a `VerifyLimitExceededError` with
    `max` the cap), `BodyAlreadyReadError`, another paywit error, or the error reading the body; it
    must not respond. A 405 is not reported. Without `on_error`, `BodyAlreadyReadError` is logged
    (the `paywit` logger).
    """

    def __init__(self, app: WSGIApp, verifier: Verifier, *, path: str, max_body: int = DEFAULT_MAX_BODY,
                 url: Union[str, Callable[[Environ], str], None] = None,
                 on_error: Optional[Callable[[Environ, Exception], None]] = None) -> None:
        _check_middleware("paywit.wsgi.WebhookMiddleware", verifier, path)
        self.app = app
        self.verifier = verifier
        self.path = path
        self.max_body = _max_body_bytes(max_body)
        self.url = url
        self.on_error = on_error

    def __repr__(self) -> str:
        return f"WebhookMiddleware(path={self.path!r}, max_body={self.max_body}, app={self.app!r})"

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Answers one WSGI request: see the class."""
        if environ.get("PATH_INFO") != self.path:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, 405, headers=[("Allow", "POST")])
        declared = (environ.get("CONTENT_LENGTH") or "").strip()
        if declared and not (declared.isascii() and declared.isdigit()):
            return _respond(start_response, 400)
        # More than 19 digits is over any cap: never parsed (int() refuses 4,300 and more).
        digits = declared.lstrip("0")
        length = (int(digits or "0") if len(digits) <= 19 else 1 << 63) if declared else None
        if length is not None and length > self.max_body:
            return self._refuse(environ, start_response, 413, _too_large(self.max_body, length))
        terminated = bool(environ.get("wsgi.input_terminated"))
        chunked = length is None and "HTTP_TRANSFER_ENCODING" in environ  # a body of unknown length
        if chunked and not terminated:
            # A chunked body that this server does not decode (no wsgi.input_terminated): it cannot be read.
            return _respond(start_response, 411)
        stream = environ.get("wsgi.input")
        try:
            if length is not None:
                body = _read(stream, length)
            elif terminated:
                body = _read(stream, self.max_body + 1)
                if len(body) > self.max_body:
                    return self._refuse(environ, start_response, 413, _too_large(self.max_body, len(body)))
            else:  # no length, no Transfer-Encoding: no body (PEP 3333)
                body = b""
        except Exception as error:  # the client went away, a malformed chunk, ...
            return self._refuse(environ, start_response, 400, error)
        if not body and (length or chunked):
            # Nothing to read where a body was declared: a Werkzeug request in front may have cached it.
            cached = _cached_by_werkzeug(environ)
            if cached is not None and (len(cached) == length if length is not None else len(cached) <= self.max_body):
                body = cached
        if length is not None and 0 < len(body) < length:
            # Some of the body, then its end: the client went away mid-body (servers give a short read).
            return self._refuse(environ, start_response, 400, ConnectionError("the request body ended before its Content-Length"))
        if length and not body:
            # Nothing where a body was declared: something read it before us.
            return self._refuse(environ, start_response, 500, BodyAlreadyReadError())
        try:
            verified = self.verifier.verify(_headers(environ), body, url=self.url(environ) if callable(self.url) else self.url)
        except Exception as error:
            if not _is_refusal(error):
                raise
            status, reported = _refusal(error, body, chunked)
            return self._refuse(environ, start_response, status, reported)
        inner = dict(environ)
        inner[ENVIRON_KEY] = Delivery(verified=verified, body=body)
        inner["wsgi.input"] = io.BytesIO(body)
        inner["CONTENT_LENGTH"] = str(len(body))
        inner.pop("werkzeug.request", None)  # a request made in front of paywit: the app makes its own
        return self.app(inner, start_response)

    def _refuse(self, environ: Environ, start_response: StartResponse, status: int, error: Exception) -> Iterable[bytes]:
        """Reports `error` and answers `status`: an empty body, but for BodyAlreadyReadError its
        message (a misconfiguration that gateways' delivery logs show)."""
        if self.on_error is not None:
            self.on_error(environ, error)
        elif isinstance(error, BodyAlreadyReadError):
            _log_body_already_read(str(environ.get("REQUEST_METHOD")), str(environ.get("PATH_INFO")))
        if isinstance(error, BodyAlreadyReadError):
            return _respond(start_response, status, (str(error) + "\n").encode(),
                            [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")])
        return _respond(start_response, status)


def _read(stream: Any, limit: int) -> bytes:
    """At most `limit` bytes of `stream`, fewer only at its end."""
    if stream is None:
        return b""
    parts: List[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, _READ_SIZE))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _respond(start_response: StartResponse, status: int, body: bytes = b"", headers: Optional[List[Tuple[str, str]]] = None) -> List[bytes]:
    start_response(f"{status} {HTTPStatus(status).phrase}", [("Content-Length", str(len(body))), *(headers or [])])
    return [body]


def delivery(environ: Environ) -> Delivery:
    """The verified `Delivery` that `WebhookMiddleware` put in this request's environ: Flask
    ``paywit.wsgi.delivery(request.environ)``, Django ``paywit.wsgi.delivery(request.META)``.

    Raises `RuntimeError` when there is none: the WSGI application is not wrapped in a
    `WebhookMiddleware` whose `path` is this request's path (a view that serves unverified
    requests would be worse).
    """
    found = environ.get(ENVIRON_KEY)
    if not isinstance(found, Delivery):
        raise RuntimeError("paywit: no verified delivery in this request: wrap the WSGI application in "
                           "paywit.wsgi.WebhookMiddleware(app, verifier, path=...) with this view's path")
    return found
