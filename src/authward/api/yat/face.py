"""Yat-style `/auth/*` routes (snake_case) over the same services; errors in the Nhost shape."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from authward.api.faces import Face
from authward.api.nhost.errors import render_error
from authward.api.yat import router
from authward.settings import Settings


def _routers(_: Settings) -> Sequence[APIRouter]:
    return [router.router]


YAT = Face(name="yat", prefixes=("/auth",), render_error=render_error, routers=_routers)
