"""Runtime.close (services/runtime.py): a maintenance run in progress finishes; idle loops just stop."""

from __future__ import annotations

import asyncio

from authward.composition import build_runtime
from authward.services.runtime import Job
from tests.support import cheap_settings


async def test_close_lets_a_running_maintenance_run_finish(tmp_path, database_url):
    runtime = build_runtime(cheap_settings(tmp_path / "data", database_url))
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_run() -> int:  # an outbox retry sending mail, say
        started.set()
        await asyncio.sleep(0.5)
        finished.set()
        return 1

    runtime.jobs.append(Job("slow", slow_run, every_seconds=600))
    await runtime.start()
    await asyncio.wait_for(started.wait(), 10)
    await runtime.close(grace=10)
    assert finished.is_set()


async def test_close_cancels_a_run_that_outlasts_the_grace(tmp_path, database_url):
    runtime = build_runtime(cheap_settings(tmp_path / "data", database_url))
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck_run() -> int:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    runtime.jobs.append(Job("stuck", stuck_run, every_seconds=600))
    await runtime.start()
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(runtime.close(grace=0.2), 10)
    assert cancelled.is_set()
