"""Headers on every answer and /docs only in development (api/security_headers.py, app.py)."""

from __future__ import annotations

from tests.integration.helpers import session_for


async def test_answers_with_secrets_are_not_cached_and_carry_security_headers(client):
    answer = await client.post("/signup/email-password", json={"email": "h@example.com", "password": "p" * 12})
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    session = await session_for(client, "i@example.com")
    user = await client.get("/user", headers={"authorization": f"Bearer {session['accessToken']}"})
    assert user.headers["cache-control"] == "no-store"  # the hot path too
    jwks = await client.get("/.well-known/jwks.json")
    assert jwks.headers["cache-control"].startswith("public")  # public keys keep their own caching


async def test_docs_only_in_dev_mode(make_client):
    assert (await (await make_client()).get("/docs")).status_code == 404
    assert (await (await make_client(dev_mode=True)).get("/docs")).status_code == 200
