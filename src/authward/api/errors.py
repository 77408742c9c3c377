"""One handler per response format: Nhost routes answer {"status", "error", "message"}."""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from authward.errors import AuthError, ErrorCode, status_of

log = logging.getLogger("authward")

_HTTP_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.PAYLOAD_TOO_LARGE,
               429: ErrorCode.TOO_MANY_REQUESTS, 401: ErrorCode.UNAUTHENTICATED}


def error_response(code: ErrorCode, message: str | None = None, status: int | None = None) -> Response:
    err = AuthError(code, message, status)
    body = orjson.dumps({"status": err.status, "error": err.code.value, "message": err.message})
    return Response(body, status_code=err.status, media_type="application/json")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {error.get('msg')}" if loc else str(error.get("msg")))
    return "Invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthError)
    async def _auth_error(_: Request, exc: AuthError) -> Response:
        return error_response(exc.code, exc.message, exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        return error_response(ErrorCode.INVALID_REQUEST, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        return error_response(code, status=exc.status_code if exc.status_code >= 400 else status_of(code))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(ErrorCode.INTERNAL_SERVER_ERROR)
