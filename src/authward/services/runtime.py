"""A running server's object graph: the core services, each enabled method's service, their jobs.

Built by `authward.composition.build_runtime`; the HTTP faces read it from `app.state.runtime` and
routes ask for a method's service by its type (`api.deps.provide`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from authward.observability import metrics
from authward.services import audit
from authward.services.core import Core

log = logging.getLogger("authward")
T = TypeVar("T")
PRUNE_EVERY_SECONDS = 600.0


@dataclass(frozen=True)
class Job:
    """Periodic maintenance; `run` answers how many rows it touched (logged when not zero)."""

    name: str
    run: Callable[[], Awaitable[int]]
    every_seconds: float = PRUNE_EVERY_SECONDS


async def _refresh_keys(core: Core) -> int:
    await core.keys.reload()  # another process may have rotated the keys: this job's period bounds the wait
    return 0


async def _deliver_mail(core: Core) -> int:
    touched = await core.postman.retry_due() + await core.postman.prune()
    if metrics.series() is not None:
        metrics.outbox_pending(await core.postman.queue_depth())
    return touched


async def _prune_audit(core: Core) -> int:
    async with core.db.write() as session:
        return await audit.prune(session, core.clock(), core.settings.audit.retention_days)


async def _prune_tickets(core: Core) -> int:
    async with core.db.write() as session:
        return await core.tickets.prune(session)


def core_jobs(core: Core) -> list[Job]:
    settings = core.settings
    mail_every = min(max(settings.email.retry_base_seconds, 1.0), 30.0)
    jobs = [
        Job("signing keys", lambda: _refresh_keys(core), float(settings.tokens.key_cache_seconds)),
        Job("expired refresh tokens", core.sessions.prune_expired),
        Job("outbox", lambda: _deliver_mail(core), mail_every),
        Job("dead tickets", lambda: _prune_tickets(core), mail_every),
        Job("old audit events", lambda: _prune_audit(core)),  # AUTHWARD_AUDIT_RETENTION_DAYS
        Job("webhooks", core.webhooks.run_once, settings.webhooks.poll_seconds),
        Job("webhook history", core.webhooks.prune),
    ]
    if core.revocations.shared:  # each call waits on the Redis stream itself: run again at once
        jobs.append(Job("revocations", core.revocations.follow, 0.0))
    return jobs


@dataclass(frozen=True)
class Built:
    """What a method's or a face's `build` made: its services (asked for by type) and its maintenance."""

    services: tuple[object, ...]
    jobs: tuple[Job, ...] = ()


@dataclass
class Runtime:
    core: Core
    services: dict[type, object] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def get(self, kind: type[T]) -> T:
        """The service of type `kind` (a method's service, or the core itself)."""
        if kind is Core:
            return self.core  # type: ignore[return-value]
        service = self.services.get(kind)
        if service is None:
            raise LookupError(f"no {kind.__name__} in this server (its method is not enabled)")
        return service  # type: ignore[return-value]

    def add(self, built: Built) -> None:
        for service in built.services:
            self.services[type(service)] = service
        self.jobs.extend(built.jobs)

    async def start(self) -> None:
        """Keys ready, hasher warm, maintenance running (in the server's event loop)."""
        await self.core.keys.ensure_signing_key()
        await self.core.hasher.warm_up()
        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()  # a runtime closed before may start again (tests do)
        self._tasks = [loop.create_task(self._every(job), name=f"job: {job.name}") for job in self.jobs]

    async def run_jobs_once(self, names: Sequence[str] | None = None) -> None:
        for job in self.jobs:
            if names is None or job.name in names:
                await job.run()

    async def _every(self, job: Job) -> None:
        while True:
            try:
                touched = await job.run()
                if touched:
                    log.info("%s: %d rows", job.name, touched)
            except Exception:
                log.exception("maintenance job %r failed; retrying", job.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), job.every_seconds)
            if self._stopping.is_set():
                return

    async def close(self, grace: float = 30.0) -> None:
        """Stop the maintenance loops between runs: a run in progress (an outbox retry sending mail) may
        finish within `grace` seconds; then the core drains the mail in flight and closes."""
        self._stopping.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=grace)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        await self.core.close()
