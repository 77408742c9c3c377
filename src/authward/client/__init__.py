"""The authward Python SDK: sync and async clients for the Nhost-compatible REST API, (`client.oauth`)
for its OAuth 2.0 / OpenID Connect provider, and (`AuthenticationClient`) for its Auth0 face.

    from authward.client import AuthClient, FileStorage
    client = AuthClient("http://127.0.0.1:4000", storage=FileStorage())
    client.login("ada@example.com", "correct horse battery staple")
    print(client.whoami().email)

Needs only httpx and pydantic. `TokenVerifier` also needs PyJWT, and `require_user` /
`AuthMiddleware` need Starlette; both are imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authward.client.aio import AsyncAuthClient, AsyncAuthenticationClient
from authward.client.auth0_models import Auth0MfaChallenge, Auth0User
from authward.client.errors import (
    AccessDenied,
    AuthError,
    CallbackMismatch,
    Conflict,
    Forbidden,
    InsufficientScope,
    InvalidClient,
    InvalidCredentials,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidToken,
    MfaError,
    MfaRequired,
    MfaTokenRequired,
    NetworkError,
    NotFound,
    NotLoggedIn,
    NotSupportedByServer,
    OAuthError,
    RateLimited,
    ServerError,
    SessionRevoked,
    TokenExpired,
    Unauthenticated,
    UnauthorizedClient,
    UnexpectedResponse,
)
from authward.client.models import (
    JWK,
    JWKSet,
    MfaChallenge,
    MfaStatus,
    PersonalAccessToken,
    PersonalAccessTokenInfo,
    ProviderLink,
    ProviderSession,
    SecurityKey,
    SecurityKeyAdded,
    Session,
    SessionPayload,
    SignInResponse,
    SignUpOptions,
    StoredSession,
    TotpSetup,
    User,
)
from authward.client.oauth_models import (
    AuthorizationRequest,
    IdTokenClaims,
    Introspection,
    LoginRequest,
    ProviderMetadata,
    TokenSet,
    UserInfo,
)
from authward.client.storage import FileStorage, KeyringStorage, MemoryStorage, SessionStorage
from authward.client.sync import AuthClient, AuthenticationClient
from authward.client.verifier import Principal, TokenVerifier

if TYPE_CHECKING:
    from authward.client.asgi import AuthMiddleware, require_user

__all__ = [
    "JWK",
    "AccessDenied",
    "AsyncAuthClient",
    "AsyncAuthenticationClient",
    "Auth0MfaChallenge",
    "Auth0User",
    "AuthClient",
    "AuthError",
    "AuthMiddleware",
    "AuthenticationClient",
    "AuthorizationRequest",
    "CallbackMismatch",
    "Conflict",
    "FileStorage",
    "Forbidden",
    "IdTokenClaims",
    "InsufficientScope",
    "Introspection",
    "InvalidClient",
    "InvalidCredentials",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidScope",
    "InvalidToken",
    "JWKSet",
    "KeyringStorage",
    "LoginRequest",
    "MemoryStorage",
    "MfaChallenge",
    "MfaError",
    "MfaRequired",
    "MfaStatus",
    "MfaTokenRequired",
    "NetworkError",
    "NotFound",
    "NotLoggedIn",
    "NotSupportedByServer",
    "OAuthError",
    "PersonalAccessToken",
    "PersonalAccessTokenInfo",
    "Principal",
    "ProviderLink",
    "ProviderMetadata",
    "ProviderSession",
    "RateLimited",
    "SecurityKey",
    "SecurityKeyAdded",
    "ServerError",
    "Session",
    "SessionPayload",
    "SessionRevoked",
    "SessionStorage",
    "SignInResponse",
    "SignUpOptions",
    "StoredSession",
    "TokenExpired",
    "TokenSet",
    "TokenVerifier",
    "TotpSetup",
    "Unauthenticated",
    "UnauthorizedClient",
    "UnexpectedResponse",
    "User",
    "UserInfo",
    "require_user",
]

_ASGI_NAMES = frozenset({"AuthMiddleware", "require_user"})


def __getattr__(name: str) -> Any:
    """Import the Starlette integration on first use, so the base install never needs Starlette."""
    if name in _ASGI_NAMES:
        from authward.client import asgi

        return getattr(asgi, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
