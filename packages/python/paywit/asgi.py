"""paywit for ASGI (Starlette, FastAPI, any ASGI app), hand-written: the raw body read by paywit
itself, capped and verified before the handler sees it, so the raw-body mistake (verifying a body
a JSON parser already read, or re-serialised) cannot happen silently.

Two ways in:

- `WebhookMiddleware(app, verifier, path="/webhooks")`, a pure ASGI middleware: for POST
  `path` it reads and verifies the body, then calls `app` with the `Delivery` in
  `scope["state"]["paywit_delivery"]` (Starlette/FastAPI: `request.state.paywit_delivery`) and the
  body readable again; other paths pass through untouched::

      app = FastAPI()
      app.add_middleware(paywit.asgi.WebhookMiddleware, verifier, path="/webhooks")

- `verified_delivery(verifier)`, a FastAPI dependency, also awaited by hand in a Starlette route::

      @app.post("/webhooks")
      def webhook(delivery: paywit.Delivery = Depends(paywit.asgi.verified_delivery(verifier))): ...

      async def webhook(request):                            # Starlette
          delivery = await verify(request)                   # verify = verified_delivery(verifier)

Starlette is imported only by `verified_delivery` (the middleware needs nothing but the ASGI
protocol): paywit's one runtime dependency stays wasmtime.
"""
from __future__ import annotations

import inspect
from contextlib import aclosing
from typing import Any, Awaitable, Callable, Iterable, List, MutableMapping, Optional, Tuple, Union

from .delivery import (_check_middleware, DEFAULT_MAX_BODY, BodyAlreadyReadError, Delivery, _is_refusal, _log_body_already_read,
                       _max_body_bytes, _refusal, _too_large)
from .verifier import Verifier

__all__ = ["WebhookMiddleware", "verified_delivery", "STATE_KEY", "Scope", "Message", "Receive", "Send", "ASGIApp"]

Scope = MutableMapping[str, Any]
"""An ASGI connection scope."""
Message = MutableMapping[str, Any]
"""An ASGI event."""
Receive = Callable[[], Awaitable[Message]]
"""An ASGI receive callable."""
Send = Callable[[Message], Awaitable[None]]
"""An ASGI send callable."""
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
"""An ASGI application."""

STATE_KEY = "paywit_delivery"
"""The key of the `Delivery` in `scope["state"]` (`request.state.paywit_delivery`)."""


def _header_lengths(headers: Iterable[Tuple[bytes, bytes]]) -> Tuple[Optional[int], bool, bool]:
    """(Content-Length or None, whether a Transfer-Encoding was sent, whether the Content-Length is
    malformed) from ASGI raw headers."""
    length: Optional[int] = None
    encoded = False
    for name, value in headers:
        lname = name.lower()
        if lname == b"content-length":
            text = value.strip()
            if not text.isdigit():  # ASCII digits only (bytes.isdigit is)
                return None, encoded, True
            # More than 19 digits is over any cap: never parsed (int() refuses 4,300 and more).
            digits = text.lstrip(b"0")
            declared = int(digits or b"0") if len(digits) <= 19 else 1 << 63
            if length is not None and declared != length:
                return None, encoded, True
            length = declared
        elif lname == b"transfer-encoding":
            encoded = True
    # With a Transfer-Encoding, the Content-Length does not frame the body (RFC 9112, 6.3).
    return (None if encoded else length), encoded, False


def _url(url: Union[str, Callable[[Any], str], None], request: Any) -> Optional[str]:
    return url(request) if callable(url) else url


class WebhookMiddleware:
    """A pure ASGI middleware that verifies each delivery to one path before the app sees it.

    For a request to `path` (matched exactly against `scope["path"]`) it answers a method other
    than POST 405 (with `Allow: POST`), a Content-Length over `max_body` 413 before reading anything
    (and closes the connection), a body of unknown length (chunked) 413 as soon as it passes
    `max_body`, and a delivery that does not verify 401 with an empty body, and never calls `app`
    for any of them. It reads the raw body from `receive` itself, so it must come before anything
    that reads the body: when something already has (fewer bytes than the declared Content-Length,
    or an empty chunked body) it answers 500 with `BodyAlreadyReadError`'s message, which names the
    fix, rather than a 401. A verified delivery calls `app` once, with the `Delivery` in
    `scope["state"]["paywit_delivery"]` (`request.state.paywit_delivery` in Starlette and FastAPI)
    and a `receive` that replays the body, so the app can still read and parse it. Other paths,
    and websocket and lifespan scopes, pass through untouched. A client that disconnects before its
    body is read gets no answer.

    `max_body` caps the body in bytes (default 16 MiB, the component's limit; a larger value is that
    limit). `url` is the full URL the delivery was sent to, for schemes that sign it (Square): a
    str (behind a proxy, the public URL the gateway was configured with) or a function of the
    scope. `on_error(scope, exc)`, when given, receives why a request was refused, for logging: a
    `paywit.webhooks.VerifyError` (for a body over `max_body`, a `VerifyLimitExceededError` with
    `max` the cap), `BodyAlreadyReadError`, or another paywit error; it must not send anything. It
    may be a coroutine function: it is awaited before the answer is sent (so a refusal can be
    recorded, committed, before the gateway sees its 401). A 405 is not reported. Without `on_error`, `BodyAlreadyReadError` is logged (the `paywit` logger).
    """

    def __init__(self, app: ASGIApp, verifier: Verifier, *, path: str, max_body: int = DEFAULT_MAX_BODY,
                 url: Union[str, Callable[[Scope], str], None] = None,
                 on_error: Optional[Callable[[Scope, Exception], Optional[Awaitable[None]]]] = None) -> None:
        _check_middleware("paywit.asgi.WebhookMiddleware", verifier, path)
        self.app = app
        self.verifier = verifier
        self.path = path
        self.max_body = _max_body_bytes(max_body)
        self.url = url
        self.on_error = on_error

    def __repr__(self) -> str:
        return f"WebhookMiddleware(path={self.path!r}, max_body={self.max_body}, app={self.app!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answers one ASGI connection: see the class."""
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        if scope.get("method") != "POST":
            await _respond(send, 405, headers=[(b"allow", b"POST")])
            return
        headers = scope.get("headers") or []
        length, encoded, malformed = _header_lengths(headers)
        if malformed:
            await _respond(send, 400, headers=[(b"connection", b"close")])
            return
        if length is not None and length > self.max_body:
            # Nothing is read; the connection is closed rather than drained.
            await self._refuse(scope, send, 413, _too_large(self.max_body, length))
            return
        chunks: List[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: there is no one to answer
            if message["type"] != "http.request":
                continue
            chunk = message.get("body", b"")
            more = bool(message.get("more_body", False))
            if chunk:
                size += len(chunk)
                if size > self.max_body:
                    await self._refuse(scope, send, 413, _too_large(self.max_body, size))
                    return
                chunks.append(bytes(chunk))
        body = b"".join(chunks)
        if length is not None and len(body) < length:
            # Fewer bytes than Content-Length: something read (part of) the body before us.
            await self._refuse(scope, send, 500, BodyAlreadyReadError())
            return
        try:
            verified = self.verifier.verify(headers, body, url=_url(self.url, scope))
        except Exception as error:
            if not _is_refusal(error):
                raise
            length_unknown = length is None and (encoded or scope.get("http_version", "1.1") not in ("1.0", "1.1"))
            status, reported = _refusal(error, body, length_unknown)
            await self._refuse(scope, send, status, reported)
            return
        delivery = Delivery(verified=verified, body=body)
        inner = dict(scope)
        inner["state"] = {**(scope.get("state") or {}), STATE_KEY: delivery}
        await self.app(inner, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, send: Send, status: int, error: Exception) -> None:
        """Reports `error` and answers `status`: an empty body, but for BodyAlreadyReadError its
        message (a misconfiguration that gateways' delivery logs show)."""
        if self.on_error is not None:
            reported = self.on_error(scope, error)
            if inspect.isawaitable(reported):
                await reported
        elif isinstance(error, BodyAlreadyReadError):
            _log_body_already_read(str(scope.get("method")), str(scope.get("path")))
        if isinstance(error, BodyAlreadyReadError):
            await _respond(send, status, (str(error) + "\n").encode(), [(b"content-type", b"text/plain; charset=utf-8"),
                                                                       (b"x-content-type-options", b"nosniff")])
        elif status == 413:
            await _respond(send, status, headers=[(b"connection", b"close")])
        else:
            await _respond(send, status)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the whole body once, then defers to `receive` (a disconnect)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _respond(send: Send, status: int, body: bytes = b"", headers: Optional[List[Tuple[bytes, bytes]]] = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def verified_delivery(verifier: Verifier, *, max_body: int = DEFAULT_MAX_BODY, url: Union[str, Callable[[Any], str], None] = None,
                      on_error: Optional[Callable[[Any, Exception], Optional[Awaitable[None]]]] = None) -> Callable[[Any], Awaitable[Delivery]]:
    """A FastAPI dependency that verifies the request's delivery and returns its `Delivery`; in a
    Starlette route, await it with the request (``delivery = await verify(request)``).

    It reads the body through `request.stream()`: a Content-Length over `max_body` (default 16 MiB)
    raises `HTTPException(413)` before anything is read, a longer body of unknown length as soon as
    it passes the cap. A delivery that does not verify raises `HTTPException(401)` (Starlette's and
    FastAPI's handlers answer it with the status phrase alone: never the reason). The raw bytes are
    then kept on the request, so a later `await request.body()` or `await request.json()` still works;
    a body Starlette already cached (a handler that called `request.json()` first, or a FastAPI
    body parameter) is verified from that cache, which holds the raw bytes. A body something
    consumed without caching (a raw ASGI middleware in front, or `request.stream()`) raises
    `HTTPException(500)` with `BodyAlreadyReadError`'s message, never a 401. With a FastAPI body
    parameter, FastAPI reads the body before any dependency, so `max_body` does not bound that read.

    `url` is the delivery's full URL for schemes that sign it (a str, or a function of the
    request); `on_error(request, exc)`, when given, receives why a request was refused (as
    `WebhookMiddleware`'s, awaited when it is a coroutine function); without it `BodyAlreadyReadError` is logged. Needs Starlette (FastAPI
    brings it), imported here.
    """
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect, Request

    if not isinstance(verifier, Verifier):
        raise TypeError("paywit.asgi.verified_delivery needs a paywit.Verifier")
    cap = _max_body_bytes(max_body)

    async def refuse(request: Request, status: int, error: Exception) -> HTTPException:
        if on_error is not None:
            reported = on_error(request, error)
            if inspect.isawaitable(reported):
                await reported
        elif isinstance(error, BodyAlreadyReadError):
            _log_body_already_read(request.method, request.url.path)
        if isinstance(error, BodyAlreadyReadError):
            return HTTPException(status, detail=str(error))
        return HTTPException(status, headers={"Connection": "close"} if status == 413 else None)

    async def verified_delivery(request: Request) -> Delivery:
        length, encoded, malformed = _header_lengths(request.scope.get("headers") or [])
        if malformed:
            raise HTTPException(400)
        if length is not None and length > cap:
            raise await refuse(request, 413, _too_large(cap, length))
        chunks: List[bytes] = []
        size = 0
        try:
            async with aclosing(request.stream()) as stream:
                async for chunk in stream:
                    size += len(chunk)
                    if size > cap:
                        raise await refuse(request, 413, _too_large(cap, size))
                    chunks.append(chunk)
        except ClientDisconnect:
            raise HTTPException(400) from None  # the client went away mid-body: nobody to answer
        except RuntimeError:
            # "Stream consumed": something read the body without caching it.
            raise await refuse(request, 500, BodyAlreadyReadError()) from None
        body = b"".join(chunks)
        if length is not None and len(body) < length:
            raise await refuse(request, 500, BodyAlreadyReadError())
        request._body = body  # Starlette's own cache: request.body() and request.json() read it
        try:
            verified = verifier.verify(request.scope.get("headers") or [], body, url=_url(url, request))
        except Exception as error:
            if not _is_refusal(error):
                raise
            length_unknown = length is None and (encoded or request.scope.get("http_version", "1.1") not in ("1.0", "1.1"))
            status, reported = _refusal(error, body, length_unknown)
            raise await refuse(request, status, reported) from None
        return Delivery(verified=verified, body=body)

    # FastAPI reads the dependency's parameters from its signature: the request, by its class.
    verified_delivery.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)],
        return_annotation=Delivery)
    return verified_delivery
