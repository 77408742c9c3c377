"""Every hosted page's route: security headers on every answer, and every error an HTML page.

Errors raised inside a page route (a `PageError`, an AuthError a service raised, a malformed
request, anything unexpected) become a branded page in the request's language, here. The face's
`render_error` is the fallback for what never reaches a route (no such page, a method not allowed):
it cannot see the request, so it answers in English with the default look.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from authward.api.deps import runtime_of
from authward.api.pages.branding import STYLE_PATH, Brand
from authward.api.pages.errors import PageError, page_error_keys
from authward.api.pages.headers import secure
from authward.api.pages.i18n import FALLBACK, Texts
from authward.api.pages.rendering import Page, page_for
from authward.errors import AuthError, ErrorCode

log = logging.getLogger("authward")
_HTTP_CODES = {404: ErrorCode.ROUTE_NOT_FOUND, 429: ErrorCode.TOO_MANY_REQUESTS}


def _as_page_error(exc: Exception) -> PageError:
    if isinstance(exc, PageError):
        return exc
    if isinstance(exc, AuthError):
        return PageError(*page_error_keys(exc.code), exc.status)
    if isinstance(exc, RequestValidationError):
        return PageError("error_title", "invalid_input", 400)
    if isinstance(exc, StarletteHTTPException):
        return PageError(*page_error_keys(_HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)),
                         exc.status_code)
    log.exception("unhandled error on a hosted page", exc_info=exc)
    return PageError("error_title", "server_error_body", 500)


def error_page(page: Page, exc: Exception) -> Response:
    err = _as_page_error(exc)
    links = [("/login", "sign_in")] if err.status == 404 else []
    return page.message(err.title_key, err.body_key, err.status, alert=True, links=links)


class PageRoute(APIRoute):
    """An APIRoute whose answers always carry the pages' headers and whose errors are pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as exc:  # every error on a page is a page
                response = error_page(page_for(request, runtime_of(request).core.settings), exc)
            return secure(response)

        return page_handler


def render_error(err: AuthError) -> Response:
    """The face's fallback (errors raised before any page route runs)."""
    page = Page(Texts(FALLBACK), Brand("", None, STYLE_PATH), None)
    return secure(error_page(page, err))
