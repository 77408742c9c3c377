"""Reading an answer: its body as a model on success, the AuthError it means on failure."""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from authward.client.errors import (
    AuthError,
    MfaTokenRequired,
    NetworkError,
    UnexpectedResponse,
    error_from_response,
    oauth_error_from_response,
)
from authward.client.request_spec import RequestSpec

__all__ = ["checked", "error_for", "network_error", "oauth_error_for", "parse_model"]

M = TypeVar("M", bound=BaseModel)


def parse_model(response: httpx.Response, model: type[M]) -> M:
    """The response body as `model`, or UnexpectedResponse naming what was wrong."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise UnexpectedResponse(
            response.status_code, f"{response.request.url.path}: not a {model.__name__}: {exc.errors()[:1]}"
        ) from exc


def error_for(response: httpx.Response) -> AuthError:
    """The AuthError for an error answer, from its `{status, error, message}` body when it has one."""
    route = f"{response.request.method} {response.request.url.path}"
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        message = body.get("message")
        return error_from_response(status, body["error"], str(message or body["error"]), route=route)
    code = "route-not-found" if status == 404 else "internal-server-error" if status >= 500 else "unexpected-response"
    snippet = response.text[:200].strip()
    return error_from_response(status, code, f"{route}: HTTP {status} {snippet}".strip(), route=route)


def oauth_error_for(response: httpx.Response) -> AuthError:
    """The AuthError for an OAuth endpoint's error: RFC 6749's `{error, error_description}` body (Auth0's
    `mfa_required` with its `mfa_token`: MfaTokenRequired), or (a server without the provider, a proxy)
    whatever `error_for` makes of it."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and "message" not in body:
        description = body.get("error_description")
        description = description if isinstance(description, str) else None
        mfa_token = body.get("mfa_token")
        if body["error"] == "mfa_required" and isinstance(mfa_token, str) and response.status_code < 500:
            requirements = body.get("mfa_requirements")
            return MfaTokenRequired(mfa_token, description, response.status_code,
                                    requirements if isinstance(requirements, dict) else None)
        return oauth_error_from_response(response.status_code, body["error"], description)
    return error_for(response)


def checked(response: httpx.Response, spec: RequestSpec) -> httpx.Response:
    """The response itself when it answers `spec` successfully, else its AuthError raised."""
    if response.is_success or (spec.accept_redirect and response.is_redirect):
        return response
    if spec.errors is not None:
        raise spec.errors(response)
    raise oauth_error_for(response) if spec.oauth_errors else error_for(response)


def network_error(exc: httpx.TransportError, spec: RequestSpec) -> NetworkError:
    """The NetworkError for a request that never got an answer (timed out, refused, ...)."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    return NetworkError(f"{spec.method} {spec.path} {kind}: {exc or type(exc).__name__}")
