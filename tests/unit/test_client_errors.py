"""Error answers become the most specific AuthError, keeping the wire triple."""

from __future__ import annotations

import httpx
import pytest

from authward.client import (
    AuthError,
    Conflict,
    InvalidCredentials,
    InvalidRequest,
    NotFound,
    NotSupportedByServer,
    RateLimited,
    ServerError,
    SessionRevoked,
)
from authward.client.core import error_for


def answer(status: int, body: object | None = None, text: str = "") -> httpx.Response:
    request = httpx.Request("POST", "http://auth.test/v1/signin/email-password")
    if body is not None:
        return httpx.Response(status, json=body, request=request)
    return httpx.Response(status, text=text, request=request)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "invalid-email-password", InvalidCredentials),
        (401, "invalid-refresh-token", SessionRevoked),
        (400, "invalid-otp", InvalidCredentials),
        (400, "otp-too-many-attempts", InvalidCredentials),
        (401, "invalid-ticket", InvalidCredentials),
        (409, "email-already-in-use", Conflict),
        (400, "password-too-short", InvalidRequest),
        (429, "too-many-requests", RateLimited),
        (500, "internal-server-error", ServerError),
        (418, "teapot", AuthError),
    ],
)
def test_codes_pick_the_class_and_keep_the_wire_fields(status: int, code: str, cls: type[AuthError]) -> None:
    error = error_for(answer(status, {"status": status, "error": code, "message": "Server says so"}))
    assert type(error) is cls
    assert (error.status, error.error, error.message) == (status, code, "Server says so")
    assert error.to_dict() == {"status": status, "error": code, "message": "Server says so"}


def test_unknown_route_is_not_supported_by_this_server_version() -> None:
    error = error_for(answer(404, {"status": 404, "error": "route-not-found", "message": "No such route"}))
    assert isinstance(error, NotSupportedByServer)
    assert "not supported by this server version" in error.message.lower()
    assert "POST /v1/signin/email-password" in error.message


def test_missing_resource_on_an_existing_route_is_not_found() -> None:
    error = error_for(answer(404, {"status": 404, "error": "not-found", "message": "No such token"}))
    assert isinstance(error, NotFound) and not isinstance(error, NotSupportedByServer)
    assert error.message == "No such token"


def test_a_non_json_error_page_still_becomes_an_auth_error() -> None:
    error = error_for(answer(502, text="<html>Bad Gateway</html>"))
    assert isinstance(error, ServerError) and error.status == 502
    assert "Bad Gateway" in error.message
    assert isinstance(error_for(answer(404, text="nginx 404")), NotSupportedByServer)
