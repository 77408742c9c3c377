"""Request ids and request log lines (docs/production.md#logs).

Outermost layer: every answer carries `X-Request-Id` (the client's, when plain, else a new one) and
every line logged while answering names it. With AUTHWARD_ACCESS_LOG each request is one line, in
uvicorn's access-log shape plus the request id, the user id when known and the duration; the path is
logged without its query string (tickets and codes travel there).
"""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authward.observability import logs

HEADER = b"x-request-id"
log = structlog.stdlib.get_logger("authward.request")


class RequestLog:
    def __init__(self, app: ASGIApp, *, log_requests: bool) -> None:
        self.app = app
        self._log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((value for name, value in scope["headers"] if name == HEADER), None)
        request_id = logs.request_id_from(sent)
        token = logs.begin_request(request_id)
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (HEADER, request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if self._log_requests:
                self._log(scope, status, time.perf_counter() - started)
            logs.end_request(token)

    def _log(self, scope: Scope, status: int, seconds: float) -> None:
        client = scope.get("client")
        peer = f"{client[0]}:{client[1]}" if client else "-"
        method, path = scope["method"], scope["path"]
        log.info(f'{peer} - "{method} {path} HTTP/{scope.get("http_version", "1.1")}" {status}',
                 method=method, path=path, status=status, duration_ms=round(seconds * 1000, 2))
