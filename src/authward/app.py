"""create_app(settings) -> the ASGI app: mounts the faces and the enabled methods."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp

from authward import __version__
from authward.api import dev as dev_api
from authward.api.errors import install_error_handlers
from authward.api.hot import HotRoutes
from authward.api.limits import BodySizeLimit
from authward.api.nhost import session as nhost_session
from authward.api.nhost import system as nhost_system
from authward.api.nhost import user_email as nhost_user_email
from authward.api.nhost import user_password as nhost_user_password
from authward.api.nhost import verify as nhost_verify
from authward.api.prefix import StripV1Prefix
from authward.api.yat import router as yat_router
from authward.container import Services, build_services
from authward.methods.anonymous import router as anonymous_router
from authward.methods.email_otp import router as email_otp_router
from authward.methods.magic_link import router as magic_link_router
from authward.methods.password import router as password_router
from authward.methods.pat import router as pat_router
from authward.methods.recovery_codes import router as recovery_codes_router
from authward.methods.sms_otp import router as sms_otp_router
from authward.methods.totp import router as totp_router
from authward.settings import Settings

log = logging.getLogger("authward")
PRUNE_EVERY_SECONDS = 600


# The Nhost face: one line per method or area. The hot routes first: Starlette matches in order.
NHOST_ROUTERS: tuple[APIRouter, ...] = (
    nhost_session.router,
    nhost_system.router,
    password_router.router,
    sms_otp_router.router,
    anonymous_router.router,
    pat_router.router,
    totp_router.router,
    recovery_codes_router.router,
    magic_link_router.router,
    email_otp_router.router,
    nhost_user_email.router,
    nhost_user_password.router,
    nhost_verify.router,
)


def nhost_router() -> APIRouter:
    router = APIRouter()
    for method_router in NHOST_ROUTERS:
        router.include_router(method_router)
    return router


async def _maintenance(svc: Services) -> None:
    """Keep the key ring fresh (another process may rotate keys) and prune dead refresh tokens."""
    elapsed = PRUNE_EVERY_SECONDS
    while True:
        try:
            await svc.keys.refresh_if_stale()
            if elapsed >= PRUNE_EVERY_SECONDS:
                elapsed = 0
                pruned = await svc.sessions.prune_expired()
                if pruned:
                    log.info("pruned %d expired refresh tokens", pruned)
                await svc.sms_otp.prune_expired()
                stale = await svc.anonymous.delete_stale()
                if stale:
                    log.info("deleted %d stale anonymous users", stale)
        except Exception:
            log.exception("maintenance task failed; retrying")
        await asyncio.sleep(svc.settings.key_cache_seconds)
        elapsed += svc.settings.key_cache_seconds


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """The app; the database must already be migrated (`authward serve` does it first)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = services or build_services(settings)
        await svc.keys.ensure_signing_key()
        await svc.hasher.warm_up()
        app.state.services = svc
        task = asyncio.create_task(_maintenance(svc))
        svc.email.start()  # outbox retries and ticket pruning; stopped by svc.close()
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await svc.close()

    app = FastAPI(
        title="authward",
        version=__version__,
        description="Self-hosted authentication server, wire-compatible with Nhost Auth.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    # The Nhost face at the root (documented); /v1 (as Nhost Cloud serves it) is mapped onto it by
    # StripV1Prefix, so the route table is not doubled and /v1 paths cost no extra matching.
    app.include_router(nhost_router())
    app.include_router(yat_router.router)  # Yat-style /auth/* (snake_case), at the root only
    if settings.dev_mode:
        app.include_router(dev_api.router)  # GET /dev/outbox: never on a production server
    return app


def create_asgi(settings: Settings, services: Services | None = None) -> ASGIApp:
    """The app wrapped in the outermost middleware (body size limit)."""
    app = create_app(settings, services)
    wrapped: Any = BodySizeLimit(StripV1Prefix(HotRoutes(app)), settings.max_body_bytes)
    wrapped.fastapi_app = app
    return wrapped  # type: ignore[no-any-return]
