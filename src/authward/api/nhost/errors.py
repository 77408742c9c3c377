"""The Nhost face's error format: `{"status", "error", "message"}` with the spec's codes."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from authward.errors import AuthError, ErrorCode


def render_error(err: AuthError) -> Response:
    body = orjson.dumps({"status": err.status, "error": err.code.value, "message": err.message})
    return Response(body, status_code=err.status, media_type="application/json")


def error_response(code: ErrorCode, message: str | None = None, status: int | None = None) -> Response:
    return render_error(AuthError(code, message, status))
