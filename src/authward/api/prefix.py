"""Serve the Nhost face under /v1 too, by rewriting the path instead of registering routes twice."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/v1"


class StripV1Prefix:
    """`/v1/user` is routed as `/user` (nhost-js's auto-refresh only recognises `.../v1/token`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == PREFIX or path.startswith(PREFIX + "/"):
                scope = dict(scope)
                scope["path"] = path[len(PREFIX):] or "/"
                raw = scope.get("raw_path")
                if raw is not None and raw.startswith(PREFIX.encode()):
                    scope["raw_path"] = raw[len(PREFIX):] or b"/"
        await self.app(scope, receive, send)
