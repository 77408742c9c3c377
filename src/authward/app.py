"""create_app(settings) -> the ASGI app, built from faces: each mounts its own routes and the routes
the enabled methods name for it, and answers errors on its paths in its own format."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from authward import __version__
from authward.api.answer_first import AnswerFirst
from authward.api.captcha import CaptchaLayer
from authward.api.error_handlers import install_error_handlers
from authward.api.faces import Face
from authward.api.hot import HotRoutes
from authward.api.limits import BodySizeLimit
from authward.api.metrics import RequestMetrics
from authward.api.openapi_links import install_links
from authward.api.prefix import StripV1Prefix
from authward.api.rate_limit import RateLimitLayer
from authward.api.request_log import RequestLog
from authward.api.security_headers import SecurityHeaders
from authward.composition import FACES, build_runtime, enabled_faces, enabled_methods
from authward.methods.base import Method
from authward.observability import metrics
from authward.services.runtime import Runtime
from authward.settings import Settings


def create_app(settings: Settings, runtime: Runtime | None = None, faces: Sequence[Face] = FACES) -> FastAPI:
    """The app; the database must already be migrated (`authward serve` does it first)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = runtime or build_runtime(settings)
        await running.start()
        app.state.runtime = running
        server = settings.server
        stop_scrapes = None
        if server.metrics_enabled and server.metrics_port is not None:
            stop_scrapes = metrics.serve_apart(server.host, server.metrics_port)
        try:
            yield
        finally:
            await running.close(grace=server.shutdown_grace_seconds)
            if stop_scrapes is not None:
                stop_scrapes()
            metrics.process_exited()

    app = FastAPI(
        title="authward",
        version=__version__,
        description="Self-hosted authentication server, wire-compatible with Nhost Auth.",
        lifespan=lifespan,
        docs_url="/docs" if settings.server.dev_mode else None,  # Swagger UI loads from a CDN: dev only
        redoc_url=None,
    )
    faces = enabled_faces(settings, faces)
    install_error_handlers(app, faces)
    methods = enabled_methods(settings)
    for face in faces:
        for router in face.routers(settings):
            app.include_router(router)
        for method in methods:
            for router in method.routers.get(face.name, ()):
                app.include_router(router)
    install_links(app)
    return app


def with_method_hot_posts(faces: Sequence[Face], methods: Sequence[Method]) -> list[Face]:
    """Each face with the hot POSTs its methods declare for it (Method.hot_posts)."""
    merged = []
    for face in faces:
        posts = dict(face.hot_posts)
        for method in methods:
            posts.update(method.hot_posts.get(face.name, {}))
        merged.append(replace(face, hot_posts=posts))
    return merged


def create_asgi(settings: Settings, runtime: Runtime | None = None) -> ASGIApp:
    """The app wrapped in the outermost middleware (request ids, body size limit, /v1, rate limits, metrics,
    captcha, headers, hot GETs)."""
    app = create_app(settings, runtime)
    faces = with_method_hot_posts(enabled_faces(settings), enabled_methods(settings))
    hot = HotRoutes(app, faces)
    captcha_on = settings.captcha.provider != "none"
    gated: ASGIApp = hot  # without a captcha provider the layer is left out: no per-request work at all
    if captcha_on:
        gated = CaptchaLayer(hot, lambda: app.state.runtime.core.captcha, faces, enabled=True)
    limited: ASGIApp = RateLimitLayer(SecurityHeaders(gated), settings, lambda: app.state.runtime.core.limiter, faces)
    if settings.server.metrics_enabled:  # off: not mounted, no per-request work at all
        hot_paths = [path for face in faces for path in (*face.hot_gets, *face.hot_posts)]
        limited = RequestMetrics(limited, app, hot_paths, lambda: app.state.runtime.core.db,
                                 serve_scrapes=settings.server.metrics_port is None)
    wrapped: Any = BodySizeLimit(AnswerFirst(StripV1Prefix(limited)), settings.server.max_body_bytes)
    if settings.server.cors_origins:  # outermost: preflights are answered before anything else
        wrapped = CORSMiddleware(
            wrapped, allow_origins=settings.server.cors_origins,
            allow_credentials=settings.server.cors_allow_credentials,
            allow_methods=["GET", "POST", "PATCH", "DELETE", "HEAD"], allow_headers=["*"], max_age=600,
        )
    wrapped = RequestLog(wrapped, log_requests=settings.server.access_log)  # outermost: every answer has an id
    wrapped.fastapi_app = app
    return wrapped  # type: ignore[no-any-return]
