"""Publishes the request's user agent to the services (the audit log), as api/rate_limit.py does the IP."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from authward.services.audit import REQUEST_USER_AGENT


class RequestOrigin:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        agent = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"user-agent"), None)
        token = REQUEST_USER_AGENT.set(agent)
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_USER_AGENT.reset(token)
