"""CSRF protection of every hosted form: a double-submit cookie.

A GET that shows a form makes sure the browser holds a random token in a cookie (32 bytes, url-safe;
HttpOnly, SameSite=Strict, Secure over https, path /; named `__Host-authward_csrf` over https so a
sibling subdomain cannot plant one) and puts the same token in the form's hidden `csrf_token` field.
A POST is accepted only when the field equals the cookie (constant-time compare); otherwise it is a
403 page and nothing happens. A cross-site page can neither read the cookie nor set it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from authward.api.pages.errors import PageError
from authward.api.pages.forms import read_form
from authward.settings import Settings

CSRF_FIELD = "csrf_token"
COOKIE = "authward_csrf"
HOST_COOKIE = "__Host-authward_csrf"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def cookie_name(settings: Settings) -> str:
    return HOST_COOKIE if _secure(settings) else COOKIE


def _secure(settings: Settings) -> bool:
    return settings.server.public_url.startswith("https://")


@dataclass(frozen=True)
class CsrfToken:
    value: str
    new: bool  # the browser does not hold it yet: the response sets the cookie
    cookie: str
    secure: bool

    def attach(self, response: Response) -> None:
        if self.new:
            response.set_cookie(self.cookie, self.value, httponly=True, samesite="strict", secure=self.secure,
                                path="/")


def csrf_token(request: Request, settings: Settings) -> CsrfToken:
    """The browser's token, or a new one when it has none (or a malformed one)."""
    name = cookie_name(settings)
    held = request.cookies.get(name)
    if held and _TOKEN.match(held):
        return CsrfToken(held, False, name, _secure(settings))
    return CsrfToken(secrets.token_urlsafe(32), True, name, _secure(settings))


async def checked_form(request: Request, settings: Settings) -> dict[str, str]:
    """The form's fields once its token matches the cookie's; a 403 page otherwise."""
    form = await read_form(request)
    held = request.cookies.get(cookie_name(settings), "")
    sent = form.get(CSRF_FIELD, "")
    if not held or not _TOKEN.match(held) or not hmac.compare_digest(held.encode(), sent.encode()):
        raise PageError("csrf_title", "csrf_body", 403)
    return form
