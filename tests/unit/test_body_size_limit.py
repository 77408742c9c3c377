"""api/limits.py's BodySizeLimit at the ASGI level: which requests are counted as their body arrives."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from authward.api.limits import BodySizeLimit


async def read_all(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the whole body, then answers 200 with its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


async def call(headers: list[tuple[bytes, bytes]], chunks: list[bytes], http_version: str = "1.1") -> int:
    messages: list[Message] = [{"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1}
                               for n, chunk in enumerate(chunks)]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/x", "headers": headers,
                             "http_version": http_version}
    limit = BodySizeLimit(read_all, max_bytes=10)
    try:
        await limit(scope, receive, send)
    except Exception as exc:  # BodyTooLarge reaches FastAPI's handler in the real app; here it is the 413
        assert getattr(exc, "status_code", None) == 413
        return 413
    return int(sent[0]["status"])


async def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    assert await call([(b"content-length", b"11")], [b"x" * 11]) == 413
    assert await call([(b"content-length", b"10")], [b"x" * 10]) == 200


@pytest.mark.parametrize("headers", [
    [(b"transfer-encoding", b"chunked")],
    [(b"content-length", b"5"), (b"transfer-encoding", b"chunked")],  # a chunked body claiming a small length
])
async def test_chunked_bodies_are_counted_as_they_arrive(headers: list[tuple[bytes, bytes]]) -> None:
    assert await call(headers, [b"x" * 4, b"x" * 4, b"x" * 4]) == 413
    assert await call(headers, [b"x" * 4, b"x" * 4]) == 200


async def test_http2_bodies_without_a_length_are_counted() -> None:
    assert await call([], [b"x" * 6, b"x" * 6], http_version="2") == 413
    assert await call([], [b"x" * 6], http_version="2") == 200
