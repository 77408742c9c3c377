"""The browser's routes: GET /signin/provider/{provider} and /signup/provider/{provider} (302 to the
provider), GET|POST /signin/provider/{provider}/callback (302 back to the app, never an error page).

`providerSpecificParams` (WorkOS' `connection`, `organization`) arrive as plain query parameters
(the spec's form/explode style) and `upstreamParams` as `upstreamParams[name]=value` (deepObject).
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from authward.api.deps import provide, user_agent
from authward.api.nhost.common import ERRORS
from authward.errors import AuthError, ErrorCode
from authward.methods.providers.redirect_flow import ProviderRedirectFlow, Started, StartRequest
from authward.methods.providers.state import STATE_TTL_SECONDS, Flow, cookie_name
from authward.services.exchange_codes import CODE_CHALLENGE
from authward.services.users import ProfileOptions
from authward.settings.social_sections import PROVIDER_NAME

router = APIRouter(tags=["authentication"])
FlowDep = Annotated[ProviderRedirectFlow, Depends(provide(ProviderRedirectFlow))]
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
MAX_FORM_BYTES = 16_384
UPSTREAM_PARAM = re.compile(r"^upstreamParams\[([A-Za-z0-9_.-]{1,64})\]$")
PROVIDER_SPECIFIC = ("connection", "organization")
MAX_METADATA_CHARS = 16_384
MAX_LENGTHS = {"redirectTo": 2048, "connect": 8192, "state": 512}

_EXTRA_PARAMS: dict[str, Any] = {"parameters": [
    {"name": "providerSpecificParams", "in": "query", "required": False, "style": "form", "explode": True,
     "description": "(workos) connection and organization", "schema": {"type": "object", "properties": {
         "connection": {"type": "string"}, "organization": {"type": "string"}}}},
    {"name": "upstreamParams", "in": "query", "required": False, "style": "deepObject", "explode": True,
     "description": "Extra parameters for the provider's authorization URL (reserved ones are refused)",
     "schema": {"type": "object", "additionalProperties": {"type": "string"}}},
]}
_REDIRECT = {302: {"description": "Redirect to the provider"}, **ERRORS}


def _bounded(**values: str | None) -> None:
    """Lengths checked here, not in the schema: a generated over-long URL would meet the HTTP server's own
    limit (a bare 400) before this route's error shape."""
    for name, value in values.items():
        if value is not None and len(value) > MAX_LENGTHS[name]:
            raise AuthError(ErrorCode.INVALID_REQUEST, f"{name} is longer than {MAX_LENGTHS[name]} characters")


def _start_request(request: Request, flow: Flow, allowed_roles: str | None, default_role: str | None,
                   display_name: str | None, locale: str | None, metadata: str | None, state: str | None,
                   code_challenge: str | None, connect: str | None = None) -> StartRequest:
    if code_challenge is not None and not CODE_CHALLENGE.match(code_challenge):
        raise AuthError(ErrorCode.INVALID_REQUEST, "codeChallenge must be 43 base64url characters (S256)")
    _bounded(state=state, connect=connect)
    try:
        meta = orjson.loads(metadata) if metadata else {}
    except orjson.JSONDecodeError as exc:
        raise AuthError(ErrorCode.INVALID_REQUEST, "metadata must be a JSON object") from exc
    if not isinstance(meta, dict) or len(metadata or "") > MAX_METADATA_CHARS:
        raise AuthError(ErrorCode.INVALID_REQUEST, "metadata must be a JSON object (at most 16 KiB)")
    roles = [role for role in allowed_roles.split(",") if role] if allowed_roles is not None else None
    upstream = {m[1]: value for key, value in request.query_params.multi_items() if (m := UPSTREAM_PARAM.match(key))}
    for key in PROVIDER_SPECIFIC:
        if (value := request.query_params.get(key)) is not None:
            upstream[key] = value
    options = ProfileOptions(display_name=display_name, locale=locale, default_role=default_role,
                             allowed_roles=roles, metadata=meta)
    return StartRequest(flow, options, connect, state, code_challenge, upstream)


def _to_provider(started: Started, secure: bool) -> Response:
    response = RedirectResponse(started.url, status_code=302, headers=NO_STORE)
    # SameSite=None lets Apple's cross-site form_post carry the cookie; browsers demand Secure with it.
    response.set_cookie(started.cookie_name, started.cookie_value, max_age=STATE_TTL_SECONDS, path="/", httponly=True,
                        secure=secure, samesite="none" if secure else "lax")
    return response


@router.get("/signin/provider/{provider}", operation_id="signInProvider", status_code=302, response_class=Response,
            responses=_REDIRECT, openapi_extra=_EXTRA_PARAMS)
async def sign_in_provider(
    provider: str, request: Request, svc: FlowDep,
    allowedRoles: str | None = Query(None), defaultRole: str | None = Query(None),
    displayName: str | None = Query(None, max_length=32), locale: str | None = Query(None, min_length=2, max_length=3),
    metadata: str | None = Query(None), redirectTo: str | None = Query(None),
    connect: str | None = Query(None), state: str | None = Query(None),
    codeChallenge: str | None = Query(None),
) -> Response:
    start = _start_request(request, Flow.SIGN_IN, allowedRoles, defaultRole, displayName, locale, metadata, state,
                           codeChallenge, connect)
    _bounded(redirectTo=redirectTo)
    started = await svc.start(provider, start, redirectTo)
    return _to_provider(started, svc.callback_url(provider).startswith("https://"))


@router.get("/signup/provider/{provider}", operation_id="signUpProvider", status_code=302, response_class=Response,
            responses=_REDIRECT, openapi_extra=_EXTRA_PARAMS)
async def sign_up_provider(
    provider: str, request: Request, svc: FlowDep,
    allowedRoles: str | None = Query(None), defaultRole: str | None = Query(None),
    displayName: str | None = Query(None, max_length=32), locale: str | None = Query(None, min_length=2, max_length=3),
    metadata: str | None = Query(None), redirectTo: str | None = Query(None),
    state: str | None = Query(None), codeChallenge: str | None = Query(None),
) -> Response:
    start = _start_request(request, Flow.SIGN_UP, allowedRoles, defaultRole, displayName, locale, metadata, state,
                           codeChallenge)
    _bounded(redirectTo=redirectTo)
    started = await svc.start(provider, start, redirectTo)
    return _to_provider(started, svc.callback_url(provider).startswith("https://"))


_CALLBACK_QUERY = ("code", "id_token", "oauth_token", "oauth_verifier", "error", "error_description", "error_uri")


@router.get("/signin/provider/{provider}/callback", operation_id="signInProviderCallbackGet", status_code=302,
            response_class=Response, responses={302: {"description": "Redirect to redirectTo"}, **ERRORS})
async def provider_callback_get(
    provider: str, request: Request, svc: FlowDep, state: str = Query(),
    code: str | None = Query(None), id_token: str | None = Query(None), oauth_token: str | None = Query(None),
    oauth_verifier: str | None = Query(None), error: str | None = Query(None),
    error_description: str | None = Query(None), error_uri: str | None = Query(None),
) -> Response:
    params = {key: value for key, value in request.query_params.items() if key in (*_CALLBACK_QUERY, "state")}
    return await _callback(provider, request, svc, params)


@router.post("/signin/provider/{provider}/callback", operation_id="signInProviderCallbackPost", status_code=302,
             response_class=Response, responses={
                 302: {"description": "Redirect to redirectTo"},
                 303: {"description": "Redirect to redirectTo (the browser follows with a GET)"}, **ERRORS},
             openapi_extra={"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
                 "schema": {"type": "object", "required": ["state"], "properties": {
                     name: {"type": "string"} for name in ("code", "id_token", "state", "user", "error",
                                                            "error_description", "error_uri")}}}}}})
async def provider_callback_post(provider: str, request: Request, svc: FlowDep) -> Response:
    """Apple's `response_mode=form_post` (a cross-site POST: 303 turns it into a GET to the app)."""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise AuthError(ErrorCode.PAYLOAD_TOO_LARGE)
    params = dict(parse_qsl(raw.decode("utf-8", "replace")))
    return await _callback(provider, request, svc, params, status=303)


async def _callback(provider: str, request: Request, svc: FlowDep, params: dict[str, str],
                    status: int = 302) -> Response:
    if not PROVIDER_NAME.match(provider):  # no cookie is named after what no provider is called
        raise AuthError(ErrorCode.DISABLED_ENDPOINT, "No such provider")
    name = cookie_name(provider)
    url = await svc.callback(provider, params, request.cookies.get(name), user_agent(request))
    response = RedirectResponse(url, status_code=status, headers=NO_STORE)
    response.delete_cookie(name, path="/")
    return response
