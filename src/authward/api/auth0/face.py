"""The Auth0 face: Auth0's Authentication API paths, its grants at /oauth/token, RFC 6749-shaped errors
(the /dbconnections routes answer Auth0's own `{name, code, description, statusCode}` themselves)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from authward.api.auth0 import dbconnections, legacy, logout, mfa, passwordless
from authward.api.auth0.grants import register_grants
from authward.api.faces import Face
from authward.api.oauth.wire import render_error
from authward.settings import Settings


def _routers(_: Settings) -> Sequence[APIRouter]:
    return [dbconnections.router, passwordless.router, mfa.router, legacy.router, logout.router]


AUTH0 = Face(
    name="auth0",
    # /mfa/totp/* are the Nhost face's: only Auth0's own /mfa paths are claimed.
    prefixes=("/dbconnections", "/passwordless", "/mfa/challenge", "/mfa/associate", "/mfa/authenticators",
              "/oauth/ro", "/delegation", "/tokeninfo", "/v2/logout"),
    render_error=render_error,
    routers=_routers,
    wire=register_grants,
    # Auth0's API extends the OAuth provider's token endpoint: it needs the provider on.
    enabled=lambda settings: settings.auth0.enabled and settings.oauth.enabled,
)
