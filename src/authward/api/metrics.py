"""Prometheus request metrics and the `/metrics` scrape (docs/production.md#metrics).

Mounted only when AUTHWARD_METRICS_ENABLED is true: with metrics off a request meets none of this.
Requests are labelled by the route template they matched (`/pat/{pat_id}`, never the raw path), so the
number of series stays bounded whatever clients send; hot routes (api/hot.py) are their own template.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from fastapi import FastAPI
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authward.observability import metrics
from authward.storage.db import Database

METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"


class RequestMetrics:
    """Counts and times every HTTP request; answers GET /metrics unless it is served on its own port."""

    def __init__(self, app: ASGIApp, router_of: FastAPI, hot_paths: Iterable[str],
                 database: Callable[[], Database], *, serve_scrapes: bool) -> None:
        self.app = app
        self._app = router_of
        self._templates: list[tuple[re.Pattern[str], frozenset[str], str]] | None = None
        self._hot_paths = frozenset(hot_paths)
        self._database = database
        self._serve_scrapes = serve_scrapes
        self._series = metrics.enable()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._serve_scrapes and scope["path"] == METRICS_PATH and scope["method"] in ("GET", "HEAD"):
            body, content_type = metrics.exposition()
            await Response(body, media_type=content_type)(scope, receive, send)
            return
        self._observe_pool()
        status = 500  # what the client sees when the app raises before answering
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route, method = self._route(scope), scope["method"]
            self._series.requests.labels(route, method, str(status)).inc()
            self._series.latency.labels(route, method).observe(time.perf_counter() - started)

    def _route(self, scope: Scope) -> str:
        """The template of the route that answered (or would have: a 429 is refused before routing)."""
        route = scope.get("route")
        if route is not None:
            return str(getattr(route, "path", UNMATCHED))
        if scope["path"] in self._hot_paths:
            return str(scope["path"])
        partial: str | None = None
        for pattern, methods, template in self._documented_routes():
            if pattern.match(scope["path"]):
                if scope["method"] in methods:
                    return template
                partial = partial or template
        return partial or UNMATCHED

    def _documented_routes(self) -> list[tuple[re.Pattern[str], frozenset[str], str]]:
        """The OpenAPI document's paths, compiled once: the routes a request refused before routing would
        have reached (the included routers of FastAPI resolve lazily, so their routes are read from here)."""
        if self._templates is None:
            paths = self._app.openapi().get("paths", {})
            self._templates = [(compile_path(template)[0], frozenset(m.upper() for m in operations), template)
                               for template, operations in paths.items()]
        return self._templates

    def _observe_pool(self) -> None:
        pool = self._database().engine.pool
        checked_out, size = getattr(pool, "checkedout", None), getattr(pool, "size", None)
        if callable(checked_out) and callable(size):
            self._series.pool_in_use.set(checked_out())
            self._series.pool_size.set(size())
