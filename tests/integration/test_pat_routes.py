"""Personal access tokens: create (shown once, stored hashed), sign in, list, revoke, expiry."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select, update

from authward.storage.models import AuditEvent, PersonalAccessToken, User
from tests.integration.helpers import assert_error, session_for


def bearer(session: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def create_pat(client, session: dict, **body):
    body.setdefault("expiresAt", in_days(30))
    return await client.post("/v1/pat", json=body, headers=bearer(session))


async def sign_in_pat(client, token: str):
    return await client.post("/v1/signin/pat", json={"personalAccessToken": token})


async def test_create_and_sign_in(client):
    owner = await session_for(client)
    response = await create_pat(client, owner, metadata={"name": "ci"})
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == {"id", "personalAccessToken"}
    token = created["personalAccessToken"]
    async with client.core.db.read() as session:
        row = await session.get(PersonalAccessToken, uuid.UUID(created["id"]))
        audit_data = [e.data for e in (await session.scalars(select(AuditEvent))).all()]
    assert row is not None
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(audit_data)
    assert row.token_metadata == {"name": "ci"}
    assert row.last_used_at is None

    signed_in = await sign_in_pat(client, token)
    assert signed_in.status_code == 200, signed_in.text
    session_json = signed_in.json()["session"]
    assert session_json["user"]["id"] == owner["user"]["id"]
    assert session_json["refreshToken"] != token
    claims = jwt.decode(session_json["accessToken"], options={"verify_signature": False})
    assert claims["amr"] == ["pat"]
    # a PAT is reusable until it expires or is revoked
    assert (await sign_in_pat(client, token)).status_code == 200
    async with client.core.db.read() as session:
        row = await session.get(PersonalAccessToken, uuid.UUID(created["id"]))
    assert row.last_used_at is not None


async def test_create_needs_a_bearer_and_a_future_expiry(client):
    owner = await session_for(client)
    assert_error(await client.post("/v1/pat", json={"expiresAt": in_days(1)}), 401, "unauthenticated-user")
    assert_error(await create_pat(client, owner, expiresAt=in_days(-1)), 400, "invalid-request")
    assert_error(await create_pat(client, owner, expiresAt="2030-01-01T00:00:00"), 400, "invalid-request")  # no zone
    assert_error(await create_pat(client, owner, expiresAt="tomorrow"), 400, "invalid-request")
    assert_error(await client.post("/v1/pat", json={}, headers=bearer(owner)), 400, "invalid-request")
    async with client.core.db.read() as session:
        assert (await session.scalars(select(PersonalAccessToken))).first() is None


async def test_unknown_and_malformed_tokens(client):
    owner = await session_for(client)
    real = (await create_pat(client, owner)).json()["personalAccessToken"]
    flipped = real[:-1] + ("0" if real[-1] != "0" else "1")
    for token in [str(uuid.uuid4()), real[:36], flipped, real + "0"]:
        assert_error(await sign_in_pat(client, token), 401, "invalid-pat")
    # not even shaped like a token: the spec's pattern refuses it
    for token in ["not-a-token", "x" * 256, ""]:
        assert_error(await sign_in_pat(client, token), 400, "invalid-request")
    assert_error(await client.post("/v1/signin/pat", json={}), 400, "invalid-request")


async def test_expired_token_is_refused(client):
    owner = await session_for(client)
    created = (await create_pat(client, owner)).json()
    async with client.core.db.write() as session:
        await session.execute(update(PersonalAccessToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert_error(await sign_in_pat(client, created["personalAccessToken"]), 401, "invalid-pat")


async def test_list_and_revoke(client):
    owner = await session_for(client)
    password_session = await session_for(client, "other-device@example.com")
    first = (await create_pat(client, owner, metadata={"name": "one"})).json()
    second = (await create_pat(client, owner, metadata={"name": "two"})).json()
    listed = await client.get("/v1/pat", headers=bearer(owner))
    assert listed.status_code == 200
    tokens = listed.json()["personalAccessTokens"]
    assert [t["id"] for t in tokens] == [second["id"], first["id"]]
    assert set(tokens[0]) == {"id", "createdAt", "expiresAt", "lastUsedAt", "metadata"}
    assert tokens[0]["metadata"] == {"name": "two"}
    assert first["personalAccessToken"] not in listed.text

    pat_session = (await sign_in_pat(client, first["personalAccessToken"])).json()["session"]
    owner_password_session = await client.post(
        "/v1/signin/email-password", json={"email": "ada@example.com", "password": "correct horse battery staple"})
    revoked = await client.delete(f"/v1/pat/{first['id']}", headers=bearer(owner))
    assert revoked.status_code == 200
    assert revoked.json() == "OK"
    assert (await client.delete(f"/v1/pat/{first['id']}", headers=bearer(owner))).status_code == 200  # idempotent
    assert_error(await sign_in_pat(client, first["personalAccessToken"]), 401, "invalid-pat")
    # the session the revoked token opened is over; password sessions are not touched
    assert_error(await client.post("/v1/token", json={"refreshToken": pat_session["refreshToken"]}), 401,
                 "invalid-refresh-token")
    assert (await client.post("/v1/token", json={"refreshToken": owner["refreshToken"]})).status_code == 200
    assert (await client.post("/v1/token", json={
        "refreshToken": owner_password_session.json()["session"]["refreshToken"]})).status_code == 200
    # the other token still works, and the list no longer shows the revoked one
    assert (await sign_in_pat(client, second["personalAccessToken"])).status_code == 200
    tokens = (await client.get("/v1/pat", headers=bearer(owner))).json()["personalAccessTokens"]
    assert [t["id"] for t in tokens] == [second["id"]]
    assert tokens[0]["lastUsedAt"] is not None

    # someone else's token, or no token at all: not found
    assert_error(await client.delete(f"/v1/pat/{second['id']}", headers=bearer(password_session)), 404, "not-found")
    assert_error(await client.delete(f"/v1/pat/{uuid.uuid4()}", headers=bearer(owner)), 404, "not-found")
    assert_error(await client.delete("/v1/pat/not-a-uuid", headers=bearer(owner)), 404, "not-found")
    assert (await sign_in_pat(client, second["personalAccessToken"])).status_code == 200


async def test_disabled_owner_cannot_sign_in(client):
    owner = await session_for(client)
    created = (await create_pat(client, owner)).json()
    async with client.core.db.write() as session:
        await session.execute(update(User).values(disabled=True))
    assert_error(await sign_in_pat(client, created["personalAccessToken"]), 401, "disabled-user")


async def test_creation_needs_an_elevated_session_when_required(make_client):
    client = await make_client(require_elevated_claim=True)
    fresh = await session_for(client)  # a fresh sign-up/sign-in is elevated
    created = await create_pat(client, fresh)
    assert created.status_code == 200, created.text
    refreshed = (await client.post("/v1/token", json={"refreshToken": fresh["refreshToken"]})).json()
    assert_error(await create_pat(client, refreshed), 401, "elevated-claim-required")
    # a session opened with a PAT is never elevated: a leaked PAT cannot mint more PATs
    pat_session = (await sign_in_pat(client, created.json()["personalAccessToken"])).json()["session"]
    assert_error(await create_pat(client, pat_session), 401, "elevated-claim-required")
    # listing and revoking need no elevation
    assert (await client.get("/v1/pat", headers=bearer(refreshed))).status_code == 200
