"""The app's exception handlers: each error is answered in the format of the face owning its path."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from authward.api.faces import Face, face_for_path
from authward.api.oauth.wire import render_oauth_error
from authward.errors import AuthError, ErrorCode, OAuthError, status_of

log = logging.getLogger("authward")

# Framework errors as catalogue codes. A 404 from routing is `route-not-found` (no such route);
# `not-found` stays for a route that exists and a thing it was asked for that does not.
_HTTP_CODES = {404: ErrorCode.ROUTE_NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.PAYLOAD_TOO_LARGE,
               429: ErrorCode.TOO_MANY_REQUESTS, 401: ErrorCode.UNAUTHENTICATED}


def validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {error.get('msg')}" if loc else str(error.get("msg")))
    return "Invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI, faces: Sequence[Face]) -> None:
    def answer(request: Request, err: AuthError) -> Response:
        return face_for_path(faces, request.url.path).render_error(err)

    @app.exception_handler(OAuthError)
    async def _oauth_error(_: Request, exc: OAuthError) -> Response:
        return render_oauth_error(exc)  # only the OAuth face and its services raise these

    @app.exception_handler(AuthError)
    async def _auth_error(request: Request, exc: AuthError) -> Response:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return answer(request, AuthError(ErrorCode.INVALID_REQUEST, validation_message(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        status = exc.status_code if exc.status_code >= 400 else status_of(code)
        return answer(request, AuthError(code, status=status))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return answer(request, AuthError(ErrorCode.INTERNAL_SERVER_ERROR))
