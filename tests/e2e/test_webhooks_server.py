"""Webhooks as an operator sets them up: `authward webhooks add` beside a running server, an event, the server's
own worker delivering it (signature checked with the standardwebhooks verifier), `deliveries --json` showing it.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory
from tests.receiver import HttpReceiver, running_receiver

pytestmark = pytest.mark.e2e


def authward(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(Path(AUTHWARD_BIN).parent), **server.env}
    return subprocess.run([AUTHWARD_BIN, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with running_receiver() as running:
        yield running


def wait_for(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_cli_endpoint_gets_signed_events_and_retries(
    database: str, server_factory: ServerFactory, receiver: HttpReceiver
) -> None:
    server = server_factory(database=database, webhook_poll_seconds=0.2, webhook_retry_base_seconds=0.5)
    added = authward(server, "webhooks", "add", f"{receiver.url}/in", "--event", "user.signed_up", "--json")
    assert added.returncode == 0, added.stderr
    secret = json.loads(added.stdout)["secret"]
    listed = authward(server, "webhooks", "list", "--json")
    assert [row["url"] for row in json.loads(listed.stdout)] == [f"{receiver.url}/in"]
    assert secret not in listed.stdout

    receiver.answer(500, {})  # the first attempt fails; the worker retries after the backoff
    response = httpx.post(f"{server.url}/v1/signup/email-password",
                          json={"email": "hook@example.com", "password": "correct horse battery staple"})
    assert response.status_code == 200, response.text
    wait_for(lambda: len(receiver.requests) >= 1, "the first attempt")
    receiver.answer(200, {})
    wait_for(lambda: len(receiver.requests) >= 2, "the retry")
    first, second = receiver.requests[:2]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    payload = Webhook(secret).verify(second.body, second.headers)
    assert payload["type"] == "user.signed_up"
    assert payload["data"]["user_id"] == response.json()["session"]["user"]["id"]

    def delivered() -> list[dict[str, Any]]:
        shown = authward(server, "webhooks", "deliveries", "--json")
        assert shown.returncode == 0, shown.stderr
        rows: list[dict[str, Any]] = json.loads(shown.stdout)
        return [row for row in rows if row["status"] == "delivered"]

    wait_for(lambda: bool(delivered()), "the delivery to show as delivered")
    [row] = delivered()
    assert (row["event"], row["attempts"], row["last_status_code"]) == ("user.signed_up", 2, 200)
    assert row["webhook_id"] == second.headers["webhook-id"]

    endpoint_id = json.loads(added.stdout)["id"]
    assert authward(server, "webhooks", "remove", endpoint_id[:8]).returncode == 0
    assert json.loads(authward(server, "webhooks", "list", "--json").stdout) == []
