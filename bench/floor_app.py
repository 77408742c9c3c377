"""The floor for reads: the least an ASGI app under uvicorn can do per request on this core.

`make bench` serves it with the same uvicorn settings as `authward serve` and reports it beside the
read routes: a route at 0.5 of the floor spends as much time in its own work as in the HTTP server.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

BODY = b'{"status":"ok"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
