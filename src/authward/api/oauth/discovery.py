"""OpenID Provider metadata (OIDC Discovery 1.0 §3) and RFC 8414: only what is implemented is advertised."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import get_core, provide
from authward.api.oauth.schemas import ERRORS, OAuth2DiscoveryResponse
from authward.services.core import Core
from authward.services.oauth.grants import TokenEndpoint
from authward.services.oauth.id_tokens import CLAIMS_SUPPORTED
from authward.settings import Settings

router = APIRouter(tags=["oauth"])
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
ASSERTION_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


def provider_metadata(settings: Settings, grant_types: list[str]) -> dict[str, Any]:
    base = settings.server.public_url
    return {
        "issuer": settings.issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "end_session_endpoint": f"{base}/oidc/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grant_types,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [settings.tokens.jwt_algorithm.value],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS[:3],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email", "phone", "offline_access"],
        "claims_supported": CLAIMS_SUPPORTED,
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": list(settings.users.allowed_locales),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }


@router.get("/.well-known/openid-configuration", operation_id="getOpenIDConfiguration",
            summary="OpenID Connect Discovery", response_model=OAuth2DiscoveryResponse, responses=ERRORS)
async def openid_configuration(
    core: Core = Depends(get_core), tokens: TokenEndpoint = Depends(provide(TokenEndpoint))
) -> Response:
    return _metadata(core, tokens)


@router.get("/.well-known/oauth-authorization-server", operation_id="getOAuthAuthorizationServer",
            summary="OAuth2 Authorization Server Metadata (RFC 8414)", response_model=OAuth2DiscoveryResponse,
            responses=ERRORS)
async def oauth_authorization_server(
    core: Core = Depends(get_core), tokens: TokenEndpoint = Depends(provide(TokenEndpoint))
) -> Response:
    return _metadata(core, tokens)


def _metadata(core: Core, tokens: TokenEndpoint) -> Response:
    body = orjson.dumps(provider_metadata(core.settings, sorted(tokens.grants)))
    return Response(body, media_type="application/json", headers={"cache-control": "public, max-age=300"})
