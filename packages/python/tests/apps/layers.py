"""Layers that read the request body in front of paywit's adapter, as real middleware does (a
request logger, a body parser), for the framework tests: each acts only on paths under its prefix."""
import os
from typing import Any

import paywit

MAX_BODY = 4096
"""The test apps' body cap: small, so an oversized chunked body is cheap to send."""


def verifier() -> paywit.Verifier:
    """The test apps' verifier: the rotation list from PAYWIT_WEBHOOK_SECRET (space-separated, newest first)."""
    return paywit.Verifier("standard-webhooks", os.environ["PAYWIT_WEBHOOK_SECRET"].split())


class DrainsReceive:
    """A raw ASGI middleware that reads the whole body (to log it, say) and hands the app a receive
    that says the body is over: the bytes are gone for everything after it."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            return await self.app(scope, receive, send)
        more = True
        while more:
            message = await receive()
            more = message["type"] == "http.request" and message.get("more_body", False)

        async def drained() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        await self.app(scope, drained, send)


class DrainsInput:
    """A WSGI middleware that reads `wsgi.input` (to log the body, say) and leaves it at its end."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app, self.prefix = app, prefix

    def __call__(self, environ: Any, start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith(self.prefix):
            stream = environ["wsgi.input"]
            stream.read() if environ.get("wsgi.input_terminated") else stream.read(int(environ.get("CONTENT_LENGTH") or 0))
        return self.app(environ, start_response)


class WerkzeugCachesBody:
    """A Flask-style WSGI middleware that reads the body with Werkzeug's `get_data()` (which caches
    the raw bytes on the request it puts in the environ)."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app, self.prefix = app, prefix

    def __call__(self, environ: Any, start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith(self.prefix):
            from werkzeug.wrappers import Request

            Request(environ).get_data()
        return self.app(environ, start_response)
