"""Prometheus /metrics (api/metrics.py, observability/metrics.py): off by default; the series and labels."""

from __future__ import annotations

import uuid

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.helpers import PASSWORD, session_for, sign_up


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(sample name, labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_are_off_by_default(client):
    assert (await client.get("/metrics")).status_code == 404


async def test_metrics_count_requests_by_route_template_and_domain_events(make_client):
    client = await make_client(metrics_enabled=True, ratelimit_enabled=True, ratelimit_password_signin="3/minute",
                               ratelimit_account_failures="100/minute", refresh_token_reuse_interval=0)
    before = samples((await client.get("/metrics")).text)
    await session_for(client)
    signed_in = await client.post("/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    session = signed_in.json()["session"]
    token = session["accessToken"]
    assert (await client.get("/user", headers={"authorization": f"Bearer {token}"})).status_code == 200
    assert (await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})).status_code == 200
    replay = await client.post("/token", json={"refreshToken": session["refreshToken"]})
    assert replay.status_code == 401  # the rotated token again: reuse detected
    for pat_id in (uuid.uuid4(), uuid.uuid4()):  # two raw paths, one route template
        await client.delete(f"/pat/{pat_id}", headers={"authorization": f"Bearer {token}"})
    wrong = {"email": "ada@example.com", "password": "not-" + PASSWORD}
    statuses = [(await client.post("/signin/email-password", json=wrong)).status_code for _ in range(3)]
    assert statuses[-1] == 429

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def grew(name: str, by: float = 1, **labels: str) -> bool:
        return value(after, name, **labels) - value(before, name, **labels) >= by

    assert grew("authward_http_requests_total", route="/user", method="GET", status="200")  # a hot route
    assert grew("authward_http_requests_total", route="/token", method="POST", status="200")  # via /v1
    assert grew("authward_http_requests_total", 2, route="/pat/{pat_id}", method="DELETE", status="404")
    assert grew("authward_http_requests_total", route="/signin/email-password", method="POST", status="429")
    assert not any(name == "authward_http_requests_total" and "/pat/" in dict(labels)["route"]
                   and "{" not in dict(labels)["route"] for name, labels in after)
    assert grew("authward_http_request_duration_seconds_count", route="/user", method="GET")
    assert ("authward_http_request_duration_seconds_bucket",
            frozenset({("route", "/user"), ("method", "GET"), ("le", "0.005")})) in after
    assert grew("authward_sign_ins_total", method="password", outcome="success")
    assert grew("authward_sign_ins_total", 2, method="password", outcome="failed")
    assert grew("authward_tokens_issued_total", 3, kind="session")  # sign-up, sign-in, refresh
    assert grew("authward_refresh_reuse_detected_total")
    assert grew("authward_rate_limited_total", bucket="password")
    assert ("authward_db_pool_in_use", frozenset()) in after
    assert not any(name.startswith("authward_") and "/metrics" in dict(labels).get("route", "")
                   for name, labels in after)


async def test_mail_deliveries_and_the_outbox_depth_are_counted(make_client):
    client = await make_client(metrics_enabled=True, email_verification_required=True)
    before = samples((await client.get("/metrics")).text)
    await sign_up(client, "mail@example.com")
    await client.runtime.core.background.drain()
    await client.runtime.run_jobs_once(["outbox"])
    after = samples((await client.get("/metrics")).text)
    sent = [key for key in after if key[0] == "authward_deliveries_total" and ("channel", "email") in key[1]]
    assert sent and sum(after[k] - before.get(k, 0.0) for k in sent) >= 1
    assert after[("authward_outbox_pending", frozenset())] == 0


def test_nothing_is_mounted_while_metrics_are_off(tmp_path, database_url):
    from authward.api.metrics import RequestMetrics
    from authward.app import create_asgi
    from tests.support import cheap_settings

    def layers(enabled: bool) -> list[type]:
        app, found = create_asgi(cheap_settings(tmp_path, database_url, metrics_enabled=enabled)), []
        while app is not None:
            found.append(type(app))
            app = getattr(app, "app", None)
        return found

    assert RequestMetrics not in layers(False)
    assert RequestMetrics in layers(True)
