"""Webhooks: audit events signed in the Standard Webhooks format, delivered to a real local receiver, retried.

The receiver verifies with the `standardwebhooks` package's own verifier. The server's worker is driven by
hand (`core.webhooks.run_once()`, the "webhooks" job's body) and its clock moved, so nothing sleeps.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from authward.services import audit
from authward.services.webhook_endpoints import add_endpoint, recent_deliveries, retry_delivery
from authward.storage.models import WebhookDelivery, WebhookMessage
from tests.integration.helpers import sign_up
from tests.receiver import HttpReceiver, running_receiver

BASE = 10.0  # AUTHWARD_WEBHOOK_RETRY_BASE_SECONDS in these tests


class Clock:
    """Real time to start with (receivers refuse timestamps more than 5 minutes off), moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with running_receiver() as running:
        running.answer(204, {})
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(make_client: Any, clock: Clock) -> Any:
    # The job's own loop would race the test's hand-driven runs: it runs once at start, then waits an hour.
    return await make_client(clock=clock, webhook_poll_seconds=3600, webhook_retry_base_seconds=BASE,
                             webhook_max_attempts=3, webhook_timeout_seconds=5)


async def endpoint(api: Any, receiver: HttpReceiver, events: list[str]) -> str:
    made = await add_endpoint(api.core.db, api.core.box, f"{receiver.url}/hooks", events, api.core.clock())
    return made.secret


def verified(secret: str, request: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(request.body, request.headers)
    return payload


async def deliveries(api: Any) -> list[WebhookDelivery]:
    return [row for row, _ in await recent_deliveries(api.core.db, 100)]


async def test_signed_delivery_verifies_with_the_standard_webhooks_verifier(api: Any, receiver: HttpReceiver) -> None:
    secret = await endpoint(api, receiver, ["user.signed_up"])
    assert secret.startswith("whsec_")
    signed_up = await sign_up(api, "ada@example.com")
    assert signed_up.status_code == 200
    await api.core.webhooks.run_once()
    assert len(receiver.requests) == 1  # only the event the endpoint asked for
    request = receiver.requests[0]
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-signature"].startswith("v1,")
    payload = verified(secret, request)
    assert payload["type"] == "user.signed_up"
    assert payload["data"]["user_id"] == signed_up.json()["session"]["user"]["id"]
    with pytest.raises(WebhookVerificationError):  # another secret does not verify it
        Webhook("whsec_" + "QUFB" * 8).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):  # nor does a changed body
        Webhook(secret).verify(request.body.replace(b"signed_up", b"signed_in"), request.headers)
    [delivery] = await deliveries(api)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)
    assert request.headers["webhook-id"] == f"msg_{delivery.id.hex}"


async def test_failed_attempt_is_retried_with_backoff_then_delivered(
    api: Any, receiver: HttpReceiver, clock: Clock
) -> None:
    secret = await endpoint(api, receiver, ["*"])
    receiver.answer(503, {"error": "down"})
    await sign_up(api, "bob@example.com")
    await api.core.webhooks.run_once()
    first = list(receiver.requests)
    assert first and all(r.headers["webhook-id"] for r in first)
    pending = await deliveries(api)
    assert {d.status for d in pending} == {"pending"}
    assert {(d.attempts, d.last_status_code, d.last_error) for d in pending} == {(1, 503, "answered HTTP 503")}

    receiver.answer(200, {})
    clock.advance(BASE - 1)  # not due yet: the backoff holds it
    await api.core.webhooks.run_once()
    assert len(receiver.requests) == len(first)
    clock.advance(2)
    await api.core.webhooks.run_once()
    retried = receiver.requests[len(first):]
    assert len(retried) == len(first)
    # the same message again: same webhook-id and body, signed anew
    assert sorted(r.headers["webhook-id"] for r in retried) == sorted(r.headers["webhook-id"] for r in first)
    for request in retried:
        verified(secret, request)
    assert {(d.status, d.attempts) for d in await deliveries(api)} == {("delivered", 2)}


async def test_gives_up_after_max_attempts_and_retry_sends_again(
    api: Any, receiver: HttpReceiver, clock: Clock
) -> None:
    await endpoint(api, receiver, ["user.signed_up"])
    receiver.answer(500, {})
    await sign_up(api, "cy@example.com")
    await api.core.webhooks.run_once()
    for wait in (BASE, 2 * BASE):  # attempts 2 and 3 after base, then 2x base
        clock.advance(wait + 1)
        await api.core.webhooks.run_once()
    [delivery] = await deliveries(api)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    clock.advance(10 * BASE)
    await api.core.webhooks.run_once()
    assert len(receiver.requests) == 3  # a failed delivery is left alone

    receiver.answer(200, {})
    assert await retry_delivery(api.core.db, delivery.id, clock())
    await api.core.webhooks.run_once()
    [delivery] = await deliveries(api)
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == ("delivered", 1, 4)


async def test_unreachable_endpoint_is_an_error_not_a_crash(api: Any, clock: Clock) -> None:
    with running_receiver() as gone:
        url = gone.url
    await add_endpoint(api.core.db, api.core.box, url, [], clock())
    await sign_up(api, "dee@example.com")
    await api.core.webhooks.run_once()
    rows = await deliveries(api)
    assert rows and {d.status for d in rows} == {"pending"}
    assert all(d.last_error and d.last_status_code is None for d in rows)


async def test_event_is_queued_in_the_audit_transaction(api: Any, receiver: HttpReceiver) -> None:
    await endpoint(api, receiver, ["*"])
    with pytest.raises(RuntimeError):
        async with api.core.db.write() as session:
            audit.record(session, "user.signed_in", api.core.clock(), uuid.uuid4())
            raise RuntimeError("the request failed after the audit row")
    async with api.core.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookMessage)) == 0
    async with api.core.db.write() as session:
        audit.record(session, "user.signed_in", api.core.clock(), uuid.uuid4(), method="password")
    await api.core.webhooks.run_once()
    assert len(receiver.requests) == 1
    assert receiver.requests[0].json()["data"]["method"] == "password"


async def test_events_no_endpoint_wants_are_not_kept(api: Any, receiver: HttpReceiver) -> None:
    await endpoint(api, receiver, ["pat.created"])
    await sign_up(api, "eve@example.com")
    await api.core.webhooks.run_once()
    async with api.core.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookMessage)) == 0
    assert receiver.requests == [] and await deliveries(api) == []


async def test_finished_deliveries_are_kept_a_week(api: Any, receiver: HttpReceiver, clock: Clock) -> None:
    await endpoint(api, receiver, ["user.signed_up"])
    await sign_up(api, "fay@example.com")
    await api.core.webhooks.run_once()
    clock.advance(6 * 86_400)
    await api.core.webhooks.prune()
    assert [d.status for d in await deliveries(api)] == ["delivered"]
    clock.advance(2 * 86_400)
    await api.core.webhooks.prune()
    assert await deliveries(api) == []
    async with api.core.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookMessage)) == 0


async def test_admin_api_shows_delivery_status(make_client: Any, clock: Clock, receiver: HttpReceiver) -> None:
    """GET /admin/webhooks/deliveries: each delivery's status, attempts and last answer; admins only."""
    api = await make_client(clock=clock, webhook_poll_seconds=3600, webhook_retry_base_seconds=BASE,
                            webhook_max_attempts=3, webhook_timeout_seconds=5, admin_secret="s" * 32)
    await endpoint(api, receiver, ["user.signed_up"])
    receiver.answer(500, {})
    await sign_up(api, "carol@example.com")
    await api.core.webhooks.run_once()
    assert (await api.get("/admin/webhooks/deliveries")).status_code == 401
    wrong = await api.get("/admin/webhooks/deliveries", headers={"x-authward-admin-secret": "t" * 32})
    assert wrong.status_code == 401
    admin = {"x-authward-admin-secret": "s" * 32}
    answer = await api.get("/admin/webhooks/deliveries", headers=admin)
    assert answer.status_code == 200, answer.text
    [delivery] = answer.json()["deliveries"]
    assert delivery["event"] == "user.signed_up" and delivery["url"] == f"{receiver.url}/hooks"
    assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"]) == ("pending", 1, 500)
    assert delivery["nextAttemptAt"] and delivery["deliveredAt"] is None
    assert delivery["webhookId"] == receiver.requests[-1].headers["webhook-id"]
    assert (await api.get("/admin/webhooks/deliveries", params={"status": "delivered"},
                          headers=admin)).json() == {"deliveries": []}
    refused = await api.get("/admin/webhooks/deliveries", params={"status": "lost"}, headers=admin)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid-request"
