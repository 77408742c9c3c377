"""/metrics of a real server with several workers (prometheus_client multiprocess mode) on its own port."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import ServerFactory, free_port
from tests.integration.helpers import PASSWORD

pytestmark = pytest.mark.e2e


def test_two_workers_are_scraped_as_one_on_the_metrics_port(server_factory: ServerFactory) -> None:
    port = free_port()
    server = server_factory(workers=2, metrics_enabled=True, metrics_port=port)
    assert httpx.get(f"{server.url}/metrics").status_code == 404  # not on the API port
    with httpx.Client(base_url=server.url, timeout=30) as http:
        body = {"email": "workers@example.com", "password": PASSWORD}
        assert http.post("/signup/email-password", json=body).status_code == 200
        for _ in range(20):  # new connections: both workers answer some
            with httpx.Client(base_url=server.url, timeout=30) as fresh:
                assert fresh.get("/healthz").status_code == 200
    deadline = time.monotonic() + 10
    text = ""
    while time.monotonic() < deadline:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    line = 'authward_http_requests_total{method="GET",route="/healthz",status="200"}'
    assert any(row.startswith(line) and float(row.split()[-1]) >= 20 for row in text.splitlines()), text
    assert 'authward_tokens_issued_total{kind="session"} 1.0' in text
