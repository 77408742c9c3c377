"""Work that outlives the request that started it (mail delivery, anti-enumeration jobs).

Tasks are referenced until done (asyncio keeps only weak references), their failures are logged
rather than lost, and shutdown (or a test) can wait for them with `drain`.

A job spawned with `after_answer=True` inside a request waits until that request's answer has been
sent (`ANSWERED`, set by api/answer_first.py): the work an anti-enumeration job does for a known
address (a lookup, a ticket, a mail) then cannot delay the answer, whose time must not tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from contextvars import ContextVar
from typing import Any, TypeVar

log = logging.getLogger("authward.background")
T = TypeVar("T")

# Set per request by the ASGI layer; None outside a request (the CLI, a test calling a service).
ANSWERED: ContextVar[asyncio.Event | None] = ContextVar("authward_answered", default=None)


async def _after(answered: asyncio.Event, coro: Coroutine[Any, Any, T]) -> T:
    await answered.wait()
    return await coro


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, T], name: str, *, after_answer: bool = False) -> asyncio.Task[T]:
        answered = ANSWERED.get() if after_answer else None
        if answered is not None:
            coro = _after(answered, coro)
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float | None = None) -> None:
        """Wait for every task, including tasks spawned meanwhile; cancel what is left after `grace` s."""
        loop = asyncio.get_running_loop()
        deadline = None if grace is None else loop.time() + grace
        while self._tasks:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            done, _ = await asyncio.wait(set(self._tasks), timeout=remaining)
            if deadline is not None and loop.time() >= deadline and self._tasks:
                for task in list(self._tasks):
                    task.cancel()
                with contextlib.suppress(Exception):
                    await asyncio.gather(*self._tasks, return_exceptions=True)
                return
            del done
