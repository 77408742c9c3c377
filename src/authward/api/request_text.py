"""Text in a request must be storable Unicode: no lone surrogates, no NUL characters.

JSON lets a client escape a lone surrogate (`"\\ud800"`) or a NUL (`"\\u0000"`); Python's `json` decodes both
into a `str`. Neither survives the trip onwards: a lone surrogate cannot be encoded as UTF-8 (hashing,
orjson and PostgreSQL fail on it), and PostgreSQL rejects NUL in text and JSONB. Refusing both where a
request is parsed turns what would be a 500 — or a row written before the response fails — into a 400.
"""

from __future__ import annotations

from typing import Any

import orjson

_MAX_DEPTH = 64

METADATA_MAX_BYTES = 16 * 1024
"""Auth0's bound on `user_metadata`: it keeps a user row, and every answer that carries it, small."""


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


def check_metadata_size(value: dict[str, Any]) -> dict[str, Any]:
    """Raise ValueError if a metadata object is larger than `METADATA_MAX_BYTES` as compact JSON."""
    try:
        size = len(orjson.dumps(value))
    except TypeError:  # JSON allows any integer; orjson, like PostgreSQL's jsonb bigint casts, stops at 64 bits
        raise ValueError("metadata numbers must be integers within 64 bits or floats") from None
    if size > METADATA_MAX_BYTES:
        raise ValueError(f"metadata must be at most {METADATA_MAX_BYTES} bytes as JSON (this is {size})")
    return value
