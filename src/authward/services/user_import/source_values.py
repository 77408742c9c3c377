"""Reading the loose values of export files (booleans as t/true/1, JSON in a cell, ISO dates) strictly.

Each raises ValueError naming what is wrong; the reader turns that into an `Unreadable` row.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

_TRUE = frozenset({"t", "true", "1", "yes", "y"})
_FALSE = frozenset({"f", "false", "0", "no", "n", ""})


def as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}: {value!r} is not a boolean")


def as_uuid(value: Any, name: str = "id") -> uuid.UUID | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a UUID") from None


def as_text(value: Any) -> str | None:
    """A cell's text, None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def as_datetime(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip())  # also PostgreSQL's "2024-01-02 10:00:00+00"
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not an ISO 8601 date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_object(value: Any, name: str) -> dict[str, Any]:
    """A JSON object (given parsed, or as the text of a cell); empty when absent."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"{name}: not valid JSON") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{name}: not a JSON object")
    return value


def as_roles(value: Any, name: str = "roles") -> list[str] | None:
    """A JSON array of strings, or comma-separated text; None when absent (the configured roles then)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise ValueError(f"{name}: not a valid JSON array") from None
        elif text.startswith("{") and text.endswith("}"):  # a PostgreSQL array literal: {user,me}
            value = [item.strip().strip('"') for item in text[1:-1].split(",") if item.strip()]
        else:
            value = [item.strip() for item in text.split(",") if item.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{name}: not a list of role names")
    return list(dict.fromkeys(value))
