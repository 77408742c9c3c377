"""The OAuth 2.0 / OpenID Connect face: standard paths and Nhost's /oauth2/* ones, RFC 6749 errors."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from authward.api.faces import Face
from authward.api.oauth import authorize, discovery, logout, nhost_login, token, userinfo
from authward.api.oauth.wire import render_error
from authward.services.oauth.provider import build_oauth
from authward.settings import Settings


def _routers(_: Settings) -> Sequence[APIRouter]:
    return [discovery.router, authorize.router, token.router, userinfo.router, logout.router, nhost_login.router]


OAUTH = Face(
    name="oauth",
    # /oauth2/login answers in the Nhost shape: the Nhost face claims that longer prefix.
    prefixes=("/authorize", "/oauth", "/oauth2", "/userinfo", "/oidc", "/.well-known/openid-configuration",
              "/.well-known/oauth-authorization-server"),
    render_error=render_error,
    routers=_routers,
    build=build_oauth,
    enabled=lambda settings: settings.oauth.enabled,
)
