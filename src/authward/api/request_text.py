"""Text in a request must be storable Unicode: no lone surrogates, no NUL characters.

JSON lets a client escape a lone surrogate (`"\\ud800"`) or a NUL (`"\\u0000"`); Python's `json` decodes both
into a `str`. Neither survives the trip onwards: a lone surrogate cannot be encoded as UTF-8 (hashing,
orjson and PostgreSQL fail on it), and PostgreSQL rejects NUL in text and JSONB. Refusing both where a
request is parsed turns what would be a 500 — or a row written before the response fails — into a 400.
"""

from __future__ import annotations

from typing import Any

_MAX_DEPTH = 64


def check_request_text(value: Any, depth: int = 0) -> None:
    """Raise ValueError if any string (or object key) in a decoded JSON value is not storable text."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (lone surrogate)") from None
    elif depth >= _MAX_DEPTH:
        raise ValueError("the request is nested too deeply")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_request_text(key, depth + 1)
            check_request_text(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_request_text(item, depth + 1)
