"""What a user reads in the SDK and CLI tests: mail from the SMTP sink, texts from the dev outbox.

The sink's own `wait_for` is async; the sync tests (and the CLI's prompts, which read stdin while a
command runs) need a blocking read. `LazyInput` is the keyboard of a CLI test: it types a line that
only exists once the command has asked the server to send it (a code, a link).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

import httpx

from tests.mail_sink import MailSink, ReceivedMail

WITHIN_SECONDS = 10.0
POLL_SECONDS = 0.02
SMS_CODE = re.compile(r"\b(\d{6})\b")


def mail_to(sink: MailSink, address: str, count: int = 1) -> ReceivedMail:
    """The `count`-th message to `address`, once it has arrived."""
    deadline = time.monotonic() + WITHIN_SECONDS
    while time.monotonic() < deadline:
        found = sink.to(address)
        if len(found) >= count:
            return found[count - 1]
        time.sleep(POLL_SECONDS)  # delivery runs in the server after its answer
    raise AssertionError(f"no message #{count} to {address}; got {len(sink.to(address))}")


def sms_code(server_url: str, phone: str, count: int = 1) -> str:
    """The code of the `count`-th text to `phone` (E.164), from `GET /dev/outbox` (provider `log`)."""
    deadline = time.monotonic() + WITHIN_SECONDS
    while time.monotonic() < deadline:
        answer = httpx.get(f"{server_url}/dev/outbox", params={"to": phone, "limit": 50}, timeout=10)
        texts = [m["text"] for m in reversed(answer.json()["messages"]) if m["channel"] == "sms"]
        if len(texts) >= count:
            found = SMS_CODE.search(texts[count - 1])
            assert found, texts[count - 1]
            return found.group(1)
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"no text #{count} to {phone}")


class LazyInput(io.BytesIO):
    """stdin whose content is produced on the first read (by then the command has sent the code)."""

    def __init__(self, produce: Callable[[], str]) -> None:
        super().__init__()
        self._produce: Callable[[], str] | None = produce

    def _fill(self) -> None:
        if self._produce is not None:
            produce, self._produce = self._produce, None
            position = self.tell()
            self.write(produce().encode())
            self.seek(position)

    def read(self, size: int | None = -1) -> bytes:
        if size != 0:
            self._fill()
        return super().read(size)

    def read1(self, size: int = -1) -> bytes:
        if size != 0:
            self._fill()
        return super().read1(size)

    def readline(self, size: int | None = -1) -> bytes:
        self._fill()
        return super().readline(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self._fill()
        return super().readinto(buffer)
