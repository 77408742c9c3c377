"""A real SMTP server for the tests (aiosmtpd on a free port): keeps what it receives.

It can also misbehave on purpose: refuse the next messages with a 4xx (`fail_next`), or hold
every delivery until the test lets it go (`hold` / `release`), to stand for a slow server.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s\"'<>]+/verify\?[^\s\"'<>]+")
CODE = re.compile(r"\b(\d{6})\b")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str | None:
        body = self.message.get_body(preferencelist=(subtype,))
        return None if body is None else str(body.get_content())

    @property
    def text(self) -> str:
        return self.part("plain") or ""

    @property
    def html(self) -> str | None:
        return self.part("html")

    def link(self) -> str:
        """The /verify link of the plain-text body."""
        found = LINK.search(self.text)
        assert found, f"no /verify link in:\n{self.text}"
        return found.group(0)

    def ticket(self) -> str:
        return parse_qs(urlsplit(self.link()).query)["ticket"][0]

    def code(self) -> str:
        found = CODE.search(self.text)
        assert found, f"no 6-digit code in:\n{self.text}"
        return found.group(1)


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        sink = self.sink
        if not sink._released.is_set():  # a slow server, until the test releases it
            await asyncio.get_running_loop().run_in_executor(None, sink._released.wait)
        with sink._lock:
            if sink._failures > 0:
                sink._failures -= 1
                sink.refused += 1
                return "451 4.3.0 Temporary failure, try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            sink.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.refused = 0
        self._failures = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._released.set()
        self._controller.stop()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refused = 0
            self._failures = 0
        self._released.set()

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._failures = count

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def to(self, recipient: str) -> list[ReceivedMail]:
        with self._lock:
            return [m for m in self.messages if recipient.lower() in (r.lower() for r in m.rcpt_tos)]

    async def wait_for(self, recipient: str, count: int = 1, within: float = 10.0) -> ReceivedMail:
        """The `count`-th message to `recipient` (polls; fails after `within` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            found = self.to(recipient)
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no message #{count} to {recipient} within {within}s; got {len(self.to(recipient))}")

    def settings(self) -> dict[str, Any]:
        """Server settings that send here."""
        return {"smtp_host": self.host, "smtp_port": self.port, "smtp_secure": "none",
                "smtp_sender": "authward <auth@example.com>"}


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailSink]:
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_sink(mail_server: MailSink) -> Iterator[MailSink]:
    """The session's SMTP sink, emptied for each test."""
    mail_server.reset()
    yield mail_server
    mail_server.reset()
