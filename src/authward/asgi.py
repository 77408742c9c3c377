"""Entry point for uvicorn workers: builds the app from the environment (AUTHWARD_*)."""

from __future__ import annotations

import logging
import os
import warnings

from starlette.types import ASGIApp

from authward.app import create_asgi
from authward.memory import freeze_startup_objects, hold_hash_memory
from authward.observability import logs
from authward.settings import load_settings

log = logging.getLogger("authward.settings")


def create_from_env() -> ASGIApp:
    """The app; unknown-option warnings are logged once, or not at all when `authward serve` printed them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        settings = load_settings()
    hold_hash_memory(settings.passwords.hash_memory_kib * 1024)  # each worker process: see authward/memory.py
    logs.configure(settings.server.log_format, settings.server.log_level)
    if os.environ.get("_AUTHWARD_SETTINGS_WARNED") != "1":
        for warning in caught:
            if issubclass(warning.category, UserWarning):
                log.warning("%s", warning.message)
    app = create_asgi(settings)
    freeze_startup_objects()
    return app
