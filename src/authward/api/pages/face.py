"""The hosted pages face: server-rendered HTML for the OAuth provider's browser flows (sign-in with the
TOTP step, sign-up, forgotten password, consent, account, sign-out). No JavaScript, except the one
passkey script on the login and account pages while WebAuthn is on (api/pages/script.py); errors are pages.

`/signup` is claimed as an exact path, not a prefix: the Nhost face's `/signup/*` routes keep answering
errors in their JSON shape.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from authward.api.faces import Face
from authward.api.pages import (
    account,
    consent,
    invite,
    login,
    logout,
    passkeys,
    password_reset,
    provider_login,
    script,
    signup,
    style,
)
from authward.api.pages.page_route import render_error
from authward.settings import Settings


def _routers(_: Settings) -> Sequence[APIRouter]:
    return [login.router, signup.router, password_reset.router, consent.router, account.router, logout.router,
            style.router, passkeys.router, script.router, provider_login.router, invite.router]


PAGES = Face(
    name="pages",
    prefixes=("/login", "/forgot-password", "/reset-password", "/consent", "/logout", "/account", "/pages", "/invite"),
    exact_paths=("/signup",),
    render_error=render_error,
    routers=_routers,
    # The pages are the OAuth provider's UI: they call its services (pending requests, consents, clients).
    enabled=lambda settings: settings.oauth.enabled,
)
