"""The OAuth face's wire: RFC 6749 error bodies, no-store JSON answers, and reading form or JSON bodies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import Request
from starlette.responses import Response

from authward.api.request_text import check_request_text
from authward.errors import AuthError, ErrorCode, OAuthError
from authward.services.oauth.client_auth import PresentedClient

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
MAX_BODY = 64 * 1024
FORM = "application/x-www-form-urlencoded"
# Catalogue codes that reach an OAuth route, as RFC 6749 / 6750 errors.
_FROM_CATALOGUE: dict[ErrorCode, tuple[str, int]] = {
    ErrorCode.INVALID_REQUEST: ("invalid_request", 400),
    ErrorCode.PAYLOAD_TOO_LARGE: ("invalid_request", 413),
    ErrorCode.UNAUTHENTICATED: ("invalid_token", 401),
    ErrorCode.TOO_MANY_REQUESTS: ("temporarily_unavailable", 429),
    ErrorCode.ROUTE_NOT_FOUND: ("invalid_request", 404),
    ErrorCode.NOT_FOUND: ("invalid_request", 404),
    ErrorCode.METHOD_NOT_ALLOWED: ("invalid_request", 405),
    ErrorCode.INTERNAL_SERVER_ERROR: ("server_error", 500),
}


def json_answer(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json",
                    headers={**NO_STORE, **(headers or {})})


def render_oauth_error(err: OAuthError) -> Response:
    body: dict[str, str] = {"error": err.error}
    if err.description:
        body["error_description"] = err.description
    body.update(err.extra)
    return json_answer(body, err.status, err.headers)


def render_error(err: AuthError) -> Response:
    """A catalogue error raised on an OAuth path, in the RFC shape."""
    error, status = _FROM_CATALOGUE.get(err.code, ("invalid_request", err.status))
    return render_oauth_error(OAuthError(error, err.message, status))


def _storable(params: dict[str, str]) -> dict[str, str]:
    """No NUL, no lone surrogate (api/request_text.py): refused as a 400, never a 500 further on."""
    try:
        check_request_text(params)
    except ValueError as exc:
        raise OAuthError("invalid_request", str(exc)) from None
    return params


async def read_params(request: Request) -> dict[str, str]:
    """The body's fields, storable text only (see `_parse_body`)."""
    return _storable(await _parse_body(request))


async def _parse_body(request: Request) -> dict[str, str]:
    """The body's fields: form-encoded (RFC 6749) or JSON (Auth0's SDKs send JSON), single-valued strings."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise OAuthError("invalid_request", "The request body is too large", 413)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw:
        return {}
    if media == "application/json":
        try:
            data = json.loads(raw)
        except ValueError:
            raise OAuthError("invalid_request", "The body is not valid JSON") from None
        if not isinstance(data, dict):
            raise OAuthError("invalid_request", "The body must be a JSON object")
        return {str(k): _as_text(k, v) for k, v in data.items() if v is not None}
    if media in (FORM, ""):
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise OAuthError("invalid_request", "The body is not UTF-8") from None
        params: dict[str, str] = {}
        for key, value in pairs:
            if key in params:  # RFC 6749 §3.1: parameters must not be repeated
                raise OAuthError("invalid_request", f"Parameter {key} is repeated")
            params[key] = value
        return params
    raise OAuthError("invalid_request", f"Unsupported content type {media}: send {FORM} or JSON")


def _as_text(key: Any, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return " ".join(value)  # `scope` as a list
    raise OAuthError("invalid_request", f"Parameter {key} must be a string")


def query_params(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in params:
            raise OAuthError("invalid_request", f"Parameter {key} is repeated")
        params[key] = value
    return _storable(params)


def presented_client(request: Request, params: dict[str, str]) -> PresentedClient:
    return PresentedClient(
        authorization=request.headers.get("authorization"), client_id=params.get("client_id"),
        client_secret=params.get("client_secret"), assertion_type=params.get("client_assertion_type"),
        assertion=params.get("client_assertion"),
    )
