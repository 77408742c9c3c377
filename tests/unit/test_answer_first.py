"""A job spawned with `after_answer=True` starts only once the request's answer is out (api/answer_first.py):
the work done for a known address (mail lookups) cannot lengthen the answer an attacker times."""

from __future__ import annotations

import asyncio

from starlette.types import Receive, Scope, Send

from authward.api.answer_first import AnswerFirst
from authward.background import Background


async def run(after_answer: bool) -> list[str]:
    events: list[str] = []
    background = Background()

    async def job() -> None:
        events.append("job started")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        background.spawn(job(), name="job", after_answer=after_answer)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0)  # the app does more work before its body (a database round trip, say)
        await send({"type": "http.response.body", "body": b"OK"})

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        events.append(message["type"])
        await asyncio.sleep(0)

    await AnswerFirst(app)({"type": "http", "method": "POST", "path": "/"}, receive, send)
    await background.drain()
    return events


async def test_the_job_waits_for_the_answer() -> None:
    assert await run(after_answer=True) == ["http.response.start", "http.response.body", "job started"]


async def test_without_the_gate_the_job_would_run_inside_the_request() -> None:
    assert (await run(after_answer=False)).index("job started") < 2


async def test_outside_a_request_the_job_starts_at_once() -> None:
    background = Background()
    ran: list[bool] = []

    async def job() -> None:
        ran.append(True)

    await background.spawn(job(), name="job", after_answer=True)
    assert ran == [True]
