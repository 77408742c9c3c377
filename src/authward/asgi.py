"""Entry point for uvicorn workers: builds the app from the environment (AUTHWARD_*)."""

from __future__ import annotations

from starlette.types import ASGIApp

from authward.app import create_asgi
from authward.settings import load_settings


def create_from_env() -> ASGIApp:
    return create_asgi(load_settings())
