"""Structured logs (structlog): one JSON object per line, or readable text for a terminal.

Every line logged while a request is being answered carries its request id (from `X-Request-Id`, or
made) and, once known, the user's id. Lines from the standard library's loggers (ours, uvicorn's) go
through the same renderer. Never log a secret: request lines carry the path without its query string,
where tickets and codes travel.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar
from typing import Any

import structlog

JSON = "json"
# The id a client or proxy sends: bounded and plain, so it cannot forge log lines or carry a payload.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# The current request's fields, one dict per request, filled in as the request goes (the user id).
_REQUEST: ContextVar[dict[str, str] | None] = ContextVar("authward_request_log", default=None)


def request_id_from(header: bytes | None) -> str:
    """The client's request id when it is a plain one, else a new one."""
    if header is not None:
        candidate = header.decode("latin-1")
        if REQUEST_ID.fullmatch(candidate):
            return candidate
    return uuid.uuid4().hex


def begin_request(request_id: str) -> object:
    """Fields for every line of this request; `end_request(token)` when it is answered."""
    return _REQUEST.set({"request_id": request_id})


def end_request(token: Any) -> None:
    _REQUEST.reset(token)


def note_user(user_id: object) -> None:
    """The user this request acts for, from here on in its log lines."""
    fields = _REQUEST.get()
    if fields is not None and user_id is not None:
        fields["user_id"] = str(user_id)


def request_fields() -> dict[str, str]:
    return dict(_REQUEST.get() or {})


def _add_request_fields(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    fields = _REQUEST.get()
    if fields:
        for key, value in fields.items():
            event.setdefault(key, value)
    return event


def _drop_color_message(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    event.pop("color_message", None)  # uvicorn's ANSI copy of the message
    return event


def configure(log_format: str, level: str) -> None:
    """Route every logger of the process (ours, uvicorn's) through structlog's renderer."""
    shared: list[Any] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_fields,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
    ]
    renderer: Any = (structlog.processors.JSONRenderer() if log_format == JSON
                     else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.processors.format_exc_info,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.processors.format_exc_info],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own handlers would print twice
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # uvicorn's access lines carry the query string (tickets, codes): api/request_log.py logs requests instead
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
