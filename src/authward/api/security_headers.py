"""Headers every API answer carries: `nosniff`, `Referrer-Policy`, and `Cache-Control: no-store`.

Answers carry sessions, PATs, TOTP secrets and tokens; none of them may be kept by a cache. An answer
that states its own caching (JWKS, discovery: public keys) keeps it; every other gets `no-store`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_DEFAULTS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
             (b"referrer-policy", b"no-referrer"))


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in _DEFAULTS if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
