"""The ASGI test apps, served by uvicorn: `fastapi_app` (the dependency, with and without a pydantic
body parameter, and the middleware) and `starlette_app` (the dependency awaited in a route), each
with variants where something reads the body first (paths under /drained/ and /cached/)."""
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

import paywit
from layers import MAX_BODY, DrainsReceive, verifier

VERIFIER = verifier()
verify = paywit.asgi.verified_delivery(VERIFIER, max_body=MAX_BODY)


def seen(delivery: paywit.Delivery, parsed: Any) -> dict:
    """What a handler saw: the delivery and the body as the framework parsed it afterwards."""
    return {"message_id": delivery.message_id, "secret_index": delivery.secret_index,
            "type": delivery.json()["type"], "parsed_type": parsed["type"]}


class Event(BaseModel):
    type: str


fastapi_app = FastAPI()


@fastapi_app.get("/")
def ready() -> str:
    return "ok"


@fastapi_app.post("/dep")
@fastapi_app.post("/drained/dep")
async def with_dependency(request: Request, delivery: paywit.Delivery = Depends(verify)) -> dict:  # noqa: B008
    return seen(delivery, await request.json())


@fastapi_app.post("/dep-model")
def with_model(event: Event, delivery: Annotated[paywit.Delivery, Depends(verify)]) -> dict:
    return seen(delivery, event.model_dump())


@fastapi_app.post("/mw")
@fastapi_app.post("/drained/mw")
@fastapi_app.post("/cached/mw")
async def behind_middleware(request: Request) -> dict:
    return seen(request.state.paywit_delivery, await request.json())


async def cache_body(request: Request, call_next: Any) -> Any:
    """A Starlette BaseHTTPMiddleware that reads the body first: Starlette caches it and replays it."""
    if request.url.path.startswith("/cached/"):
        await request.body()
    return await call_next(request)


# add_middleware: the last added is the outermost.
for path in ("/mw", "/cached/mw", "/drained/mw"):
    fastapi_app.add_middleware(paywit.asgi.WebhookMiddleware, VERIFIER, path=path, max_body=MAX_BODY)
fastapi_app.add_middleware(BaseHTTPMiddleware, dispatch=cache_body)
fastapi_app.add_middleware(DrainsReceive, prefix="/drained/")


async def route(request: Request) -> Any:
    delivery = await verify(request)
    return JSONResponse(seen(delivery, await request.json()))


async def route_json_first(request: Request) -> Any:
    parsed = await request.json()  # Starlette caches the raw body: the dependency verifies those bytes
    return JSONResponse(seen(await verify(request), parsed))


async def route_stream_first(request: Request) -> Any:
    async for _ in request.stream():  # read without caching: the bytes are gone
        pass
    return JSONResponse(seen(await verify(request), {"type": None}))


async def starlette_ready(request: Request) -> Any:
    return PlainTextResponse("ok")


starlette_app = DrainsReceive(Starlette(routes=[
    Route("/", starlette_ready),
    Route("/route", route, methods=["POST"]),
    Route("/drained/route", route, methods=["POST"]),
    Route("/route-json-first", route_json_first, methods=["POST"]),
    Route("/route-stream-first", route_stream_first, methods=["POST"]),
]), prefix="/drained/")
