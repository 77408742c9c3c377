"""Marks when a request's answer has been sent, for the jobs that must start only then (background.py).

Set once the last body chunk has gone out, or when the app ends without answering (an error): a job
never waits forever. Only POSTs start such jobs (reset, verification, passwordless starts): other
methods (the hot GET /user among them) pass through untouched.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authward.background import ANSWERED


class AnswerFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        answered = asyncio.Event()
        token = ANSWERED.set(answered)

        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered.set()

        try:
            await self.app(scope, receive, sending)
        finally:
            answered.set()
            ANSWERED.reset(token)
