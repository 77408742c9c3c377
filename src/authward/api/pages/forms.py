"""Reading a hosted page's form: `application/x-www-form-urlencoded`, small, single-valued strings."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from authward.api.pages.errors import PageError

MAX_FORM_BYTES = 16 * 1024
FORM = "application/x-www-form-urlencoded"


async def read_form(request: Request) -> dict[str, str]:
    """The fields (the first value of a repeated one); a body that is not a small form is a 400 page."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise PageError("error_title", "error_body", 413)
    if not raw:
        return {}
    if media != FORM:
        raise PageError("error_title", "error_body", 415)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        raise PageError("error_title", "error_body", 400) from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form
