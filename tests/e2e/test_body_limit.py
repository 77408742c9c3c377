"""The body limit through the real HTTP stack (uvicorn), with and without Content-Length."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.integration.helpers import assert_error

pytestmark = pytest.mark.e2e

LIMIT = 64 * 1024


def body_over_the_limit() -> bytes:
    return b'{"refreshToken": "' + b"a" * (LIMIT + 100) + b'"}'


def in_chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


def test_content_length_over_the_limit(http: httpx.Client) -> None:
    response = http.post("/v1/token", content=body_over_the_limit(), headers={"content-type": "application/json"})
    assert_error(response, 413, "payload-too-large")


def test_chunked_body_over_the_limit(http: httpx.Client) -> None:
    response = http.post("/v1/token", content=in_chunks(body_over_the_limit()),
                         headers={"content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_error(response, 413, "payload-too-large")


def test_chunked_body_under_the_limit_reaches_the_route(http: httpx.Client) -> None:
    response = http.post("/v1/token", content=in_chunks(b'{"refreshToken": "' + b"a" * 200 + b'"}', 16),
                         headers={"content-type": "application/json"})
    assert_error(response, 401, "invalid-refresh-token")
