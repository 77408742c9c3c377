"""The authward Python SDK: sync and async clients for the Nhost-compatible REST API.

    from authward.client import AuthClient, FileStorage
    client = AuthClient("http://127.0.0.1:4000", storage=FileStorage())
    client.login("ada@example.com", "correct horse battery staple")
    print(client.whoami().email)

Needs only httpx and pydantic. `TokenVerifier` also needs PyJWT, and `require_user` /
`AuthMiddleware` need Starlette; both are imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authward.client.aio import AsyncAuthClient
from authward.client.errors import (
    AuthError,
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidRequest,
    InvalidToken,
    MfaError,
    MfaRequired,
    NetworkError,
    NotFound,
    NotLoggedIn,
    NotSupportedByServer,
    RateLimited,
    ServerError,
    SessionRevoked,
    TokenExpired,
    Unauthenticated,
    UnexpectedResponse,
)
from authward.client.models import (
    JWK,
    JWKSet,
    MfaChallenge,
    MfaStatus,
    PersonalAccessToken,
    PersonalAccessTokenInfo,
    Session,
    SessionPayload,
    SignInResponse,
    SignUpOptions,
    StoredSession,
    TotpSetup,
    User,
)
from authward.client.storage import FileStorage, KeyringStorage, MemoryStorage, SessionStorage
from authward.client.sync import AuthClient
from authward.client.verifier import Principal, TokenVerifier

if TYPE_CHECKING:
    from authward.client.asgi import AuthMiddleware, require_user

__all__ = [
    "JWK",
    "AsyncAuthClient",
    "AuthClient",
    "AuthError",
    "AuthMiddleware",
    "Conflict",
    "FileStorage",
    "Forbidden",
    "InvalidCredentials",
    "InvalidRequest",
    "InvalidToken",
    "JWKSet",
    "KeyringStorage",
    "MemoryStorage",
    "MfaChallenge",
    "MfaError",
    "MfaRequired",
    "MfaStatus",
    "NetworkError",
    "NotFound",
    "NotLoggedIn",
    "NotSupportedByServer",
    "PersonalAccessToken",
    "PersonalAccessTokenInfo",
    "Principal",
    "RateLimited",
    "ServerError",
    "Session",
    "SessionPayload",
    "SessionRevoked",
    "SessionStorage",
    "SignInResponse",
    "SignUpOptions",
    "StoredSession",
    "TokenExpired",
    "TokenVerifier",
    "TotpSetup",
    "Unauthenticated",
    "UnexpectedResponse",
    "User",
    "require_user",
]

_ASGI_NAMES = frozenset({"AuthMiddleware", "require_user"})


def __getattr__(name: str) -> Any:
    """Import the Starlette integration on first use, so the base install never needs Starlette."""
    if name in _ASGI_NAMES:
        from authward.client import asgi

        return getattr(asgi, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
