"""The admin face: `/admin/*` for operators and their scripts, errors in the Nhost shape (docs/admin.md)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from authward.api.admin import audit, clients, keys, users, webhooks
from authward.api.faces import Face
from authward.api.nhost.errors import render_error
from authward.services.admin.users import build_user_admin
from authward.services.core import Core
from authward.services.runtime import Built
from authward.settings import Settings


def _routers(_: Settings) -> Sequence[APIRouter]:
    return [users.router, audit.router, keys.router, clients.router, webhooks.router]


def _build(core: Core) -> Built:
    users = build_user_admin(core)
    return Built(services=(users, users.invitations))  # the invitations: the hosted page /invite too


ADMIN = Face(name="admin", prefixes=("/admin",), render_error=render_error, routers=_routers, build=_build)
