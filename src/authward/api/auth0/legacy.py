"""The v2 SDK's deprecated endpoints, for clients explicitly allowed them (`--legacy-endpoints`):
POST /oauth/ro (resource owner: a password, or a passwordless code), POST /delegation (a new ID
token for another client, by the token-exchange rules) and POST /tokeninfo (the user of an ID token).
Auth0 itself retired them; they exist so a team still on auth0@2 can move without a rewrite.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.auth0.client_lookup import client_of, require_legacy
from authward.api.auth0.grants import Auth0Grants
from authward.api.auth0.passwordless import _json_params, _text
from authward.api.auth0.profile import auth0_profile
from authward.api.deps import get_core, provide, user_agent
from authward.api.oauth.schemas import ERRORS
from authward.api.oauth.wire import json_answer
from authward.errors import OAuthError
from authward.security.jwt import InvalidToken
from authward.services.core import Core
from authward.services.oauth.client_auth import ClientAuthenticator
from authward.services.oauth.grants import GrantRequest
from authward.services.oauth.id_tokens import IdTokens
from authward.services.oauth.token_exchange import ID_TOKEN, REFRESH_TOKEN, TokenExchange
from authward.storage.repos import oauth_clients as clients_repo
from authward.storage.repos import users as users_repo

router = APIRouter(tags=["auth0 (deprecated)"])
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@router.post("/oauth/ro", operation_id="auth0ResourceOwner", responses=ERRORS)
async def resource_owner(
    request: Request, core: Core = Depends(get_core),
    authenticator: ClientAuthenticator = Depends(provide(ClientAuthenticator)),
    grants: Auth0Grants = Depends(provide(Auth0Grants)),
) -> Response:
    data = _text(await _json_params(request))
    client = await client_of(request, data, core, authenticator)
    require_legacy(client)
    connection = data.get("connection", "")
    ask = GrantRequest({**data, "scope": data.get("scope") or "openid"}, client, user_agent(request))
    if connection in ("email", "sms"):
        form = {"username": data.get("username", ""), "otp": data.get("password", ""), "realm": connection,
                "scope": ask.form["scope"]}
        answer = await grants.passwordless_otp(GrantRequest(form, client, ask.user_agent))
    elif connection == core.settings.auth0.database_connection:
        answer = await grants.password(ask)
    else:
        raise OAuthError("invalid_request", f"Unknown connection {connection}")
    return json_answer(answer)


@router.post("/delegation", operation_id="auth0Delegation", responses=ERRORS)
async def delegation(
    request: Request, core: Core = Depends(get_core),
    authenticator: ClientAuthenticator = Depends(provide(ClientAuthenticator)),
    exchange: TokenExchange = Depends(provide(TokenExchange)),
    id_tokens: IdTokens = Depends(provide(IdTokens)),
) -> Response:
    """An ID token (or this client's refresh token) for a new ID token whose audience is `target`."""
    data = _text(await _json_params(request))
    client = await client_of(request, data, core, authenticator)
    require_legacy(client)
    if data.get("grant_type") != JWT_BEARER:
        raise OAuthError("invalid_request", f"grant_type must be {JWT_BEARER}")
    if data.get("id_token"):
        subject = await exchange.subject(client, data["id_token"], ID_TOKEN)
    elif data.get("refresh_token"):
        subject = await exchange.subject(client, data["refresh_token"], REFRESH_TOKEN)
    else:
        raise OAuthError("invalid_request", "id_token or refresh_token is required")
    target_id = data.get("target") or client.client_id
    async with core.db.read() as session:
        target = await clients_repo.get(session, target_id)
        user = await users_repo.get(session, subject.user_id)
    if target is None:
        raise OAuthError("invalid_request", "Unknown target client")
    if user is None or core.sign_in.policy.refusal(user) is not None:
        raise OAuthError("invalid_grant", "The subject's user cannot sign in", 403)
    scopes = (data.get("scope") or "openid").split()
    token = id_tokens.issue(user, target.client_id, scopes=scopes, auth_time=subject.auth_time, amr=subject.amr,
                            now=core.clock(), session_id=subject.session_id)
    return json_answer({"id_token": token, "token_type": "Bearer", "expires_in": id_tokens.ttl})


@router.post("/tokeninfo", operation_id="auth0TokenInfo", responses=ERRORS)
async def tokeninfo(request: Request, core: Core = Depends(get_core)) -> Response:
    data = _text(await _json_params(request))
    try:
        claims = await core.codec.verify_signed(data.get("id_token", ""))
    except InvalidToken:
        raise OAuthError("invalid_token", "The id_token is invalid or expired", 401) from None
    if "client_id" in claims or not isinstance(claims.get("aud"), str):
        raise OAuthError("invalid_token", "Not an ID token", 401)
    async with core.db.read() as session:
        client = await clients_repo.get(session, claims["aud"])
        user = await users_repo.get(session, uuid.UUID(str(claims["sub"])))
    if client is None:
        raise OAuthError("invalid_token", "Unknown client", 401)
    require_legacy(client)
    if user is None:
        raise OAuthError("invalid_token", "Unknown user", 401)
    return json_answer(auth0_profile(user, core.settings.auth0.database_connection))
