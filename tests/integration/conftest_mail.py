"""Fixtures for the email tests: the in-process app wired to a real SMTP sink.

Import the fixtures into the test module (the shared conftest files stay untouched):
`from tests.integration.conftest_mail import mail_client, mail_server, mail_sink  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from authward.storage.models import OutboxMessage, Ticket
from tests.integration.conftest import ClientFactory
from tests.mail_sink import MailSink, mail_server, mail_sink  # noqa: F401 - fixtures

CLIENT_URL = "https://app.example.com"
MailClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def mail_client(make_client: ClientFactory, mail_sink: MailSink) -> MailClientFactory:  # noqa: F811 - imported fixture
    """`await mail_client(**settings)`: an app that mails to the sink, verification required."""

    async def factory(**overrides: Any) -> httpx.AsyncClient:
        values: dict[str, Any] = {
            **mail_sink.settings(),
            "client_url": CLIENT_URL,
            "allowed_redirect_urls": ["https://*.preview.example.com", "myapp://callback"],
            "email_verification_required": True,
            "email_send_wait_ms": 5000,
            "email_retry_base_seconds": 0,
        }
        values.update(overrides)
        return await make_client(**values)

    return factory


async def settle(client: httpx.AsyncClient) -> None:
    """Wait for the background work a request started (mail lookups and deliveries)."""
    await client.core.background.drain(grace=15)  # type: ignore[attr-defined]


async def tickets_of(client: httpx.AsyncClient) -> list[Ticket]:
    async with client.core.db.read() as s:  # type: ignore[attr-defined]
        return list((await s.scalars(select(Ticket).order_by(Ticket.created_at))).all())


async def outbox_of(client: httpx.AsyncClient) -> list[OutboxMessage]:
    async with client.core.db.read() as s:  # type: ignore[attr-defined]
        return list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all())
