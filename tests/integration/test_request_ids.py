"""X-Request-Id on every answer (api/request_log.py), whichever layer answers."""

from __future__ import annotations


async def test_every_answer_carries_the_request_id(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_signup="1/minute")
    assert (await client.get("/healthz", headers={"x-request-id": "abc-1"})).headers["x-request-id"] == "abc-1"
    made = (await client.get("/version")).headers["x-request-id"]
    assert len(made) == 32
    assert (await client.get("/version")).headers["x-request-id"] != made
    too_big = await client.post("/token", content=b"x" * 70_000, headers={"x-request-id": "big-1"})
    assert too_big.status_code == 413 and too_big.headers["x-request-id"] == "big-1"
    body = {"email": "ids@example.com", "password": "a-long-enough-password-1"}
    await client.post("/signup/email-password", json=body)
    limited = await client.post("/signup/email-password", json=body, headers={"x-request-id": "rl-1"})
    assert limited.status_code == 429 and limited.headers["x-request-id"] == "rl-1"
    forged = await client.get("/healthz", headers={"x-request-id": "x" * 500})
    assert len(forged.headers["x-request-id"]) == 32
