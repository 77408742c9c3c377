"""Refresh-token rotation, reuse detection, sign-out and the signed-in user, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select

from authward.storage.models import RefreshToken, User
from tests.integration.helpers import assert_error, session_for


async def refresh(client, token):
    return await client.post("/v1/token", json={"refreshToken": token})


async def test_refresh_rotates_and_returns_a_bare_session(client):
    session = await session_for(client)
    response = await refresh(client, session["refreshToken"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"accessToken", "accessTokenExpiresIn", "refreshToken", "refreshTokenId"}
    assert body["refreshToken"] != session["refreshToken"]
    assert body["user"]["id"] == session["user"]["id"]
    # the new token works
    assert (await refresh(client, body["refreshToken"])).status_code == 200


async def test_reuse_without_interval_revokes_the_family(make_client):
    client = await make_client(refresh_token_reuse_interval=0)
    session = await session_for(client)
    first = (await refresh(client, session["refreshToken"])).json()
    assert_error(await refresh(client, session["refreshToken"]), 401, "invalid-refresh-token")
    # the whole family is gone: the legitimate successor is refused too
    assert_error(await refresh(client, first["refreshToken"]), 401, "invalid-refresh-token")


async def test_reuse_inside_interval_returns_the_same_successor(client):
    session = await session_for(client)
    first = (await refresh(client, session["refreshToken"])).json()
    again = await refresh(client, session["refreshToken"])
    assert again.status_code == 200
    assert again.json()["refreshToken"] == first["refreshToken"]
    assert again.json()["refreshTokenId"] == first["refreshTokenId"]
    # and the family stays usable
    assert (await refresh(client, first["refreshToken"])).status_code == 200


async def test_reuse_inside_interval_follows_a_chain_of_rotations(client):
    session = await session_for(client)
    first = (await refresh(client, session["refreshToken"])).json()
    second = (await refresh(client, first["refreshToken"])).json()
    again = await refresh(client, session["refreshToken"])
    assert again.status_code == 200
    assert again.json()["refreshToken"] == second["refreshToken"]


async def test_reuse_after_interval_revokes_the_family(client):
    session = await session_for(client)
    first = (await refresh(client, session["refreshToken"])).json()
    async with client.core.db.write() as s:
        row = (await s.scalars(select(RefreshToken).where(RefreshToken.status == "rotated"))).one()
        row.rotated_at = datetime.now(UTC) - timedelta(seconds=11)
    assert_error(await refresh(client, session["refreshToken"]), 401, "invalid-refresh-token")
    assert_error(await refresh(client, first["refreshToken"]), 401, "invalid-refresh-token")
    async with client.core.db.read() as s:
        statuses = {r.status for r in (await s.scalars(select(RefreshToken))).all()}
    assert statuses == {"revoked"}


async def test_other_sessions_survive_a_family_revocation(make_client):
    client = await make_client(refresh_token_reuse_interval=0)
    session = await session_for(client)
    other = (await client.post("/v1/signin/email-password",
                               json={"email": "ada@example.com", "password": "correct horse battery staple"})).json()
    await refresh(client, session["refreshToken"])
    await refresh(client, session["refreshToken"])  # reuse: revokes the first family only
    assert (await refresh(client, other["session"]["refreshToken"])).status_code == 200


async def test_unknown_and_malformed_refresh_tokens(client):
    assert_error(await refresh(client, str(uuid.uuid4())), 401, "invalid-refresh-token")
    assert_error(await refresh(client, "not a token"), 401, "invalid-refresh-token")
    assert_error(await client.post("/v1/token", json={}), 400, "invalid-request")
    assert_error(await client.post("/v1/token", json={"refreshToken": 12}), 400, "invalid-request")


async def test_sliding_expiry_and_absolute_lifetime(make_client):
    client = await make_client(refresh_token_expires_in=3600, refresh_token_absolute_lifetime=7200)
    session = await session_for(client)
    async with client.core.db.read() as s:
        row = (await s.scalars(select(RefreshToken))).one()
    assert timedelta(seconds=3590) < row.expires_at - row.created_at <= timedelta(seconds=3600)
    assert row.family_expires_at - row.created_at == timedelta(seconds=7200)
    # near the absolute end, a refresh cannot extend past it
    async with client.core.db.write() as s:
        row = await s.get(RefreshToken, row.id)
        row.family_expires_at = datetime.now(UTC) + timedelta(seconds=60)
    body = (await refresh(client, session["refreshToken"])).json()
    assert body["refreshTokenId"] == session["refreshTokenId"]  # the session's id is stable
    async with client.core.db.read() as s:
        child = (await s.scalars(select(RefreshToken).where(RefreshToken.status == "active"))).one()
    assert child.expires_at <= child.family_expires_at
    assert child.expires_at - datetime.now(UTC) < timedelta(seconds=61)


async def test_expired_refresh_token_is_refused_and_pruned(client):
    session = await session_for(client)
    async with client.core.db.write() as s:
        row = (await s.scalars(select(RefreshToken))).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert_error(await refresh(client, session["refreshToken"]), 401, "invalid-refresh-token")
    assert await client.core.sessions.prune_expired() == 1


async def test_disabled_user_cannot_refresh(client):
    session = await session_for(client)
    async with client.core.db.write() as s:
        (await s.get(User, uuid.UUID(session["user"]["id"]))).disabled = True
    assert_error(await refresh(client, session["refreshToken"]), 401, "disabled-user")


async def test_sign_out_this_session(client):
    session = await session_for(client)
    response = await client.post("/v1/signout", json={"refreshToken": session["refreshToken"]})
    assert response.status_code == 200 and response.json() == "OK"
    assert_error(await refresh(client, session["refreshToken"]), 401, "invalid-refresh-token")


async def test_sign_out_all_needs_a_bearer_and_ends_every_session(client):
    session = await session_for(client)
    other = (await client.post("/v1/signin/email-password",
                               json={"email": "ada@example.com", "password": "correct horse battery staple"})).json()
    assert_error(await client.post("/v1/signout", json={"all": True}), 401, "unauthenticated-user")
    response = await client.post("/v1/signout", json={"all": True},
                                 headers={"Authorization": f"Bearer {session['accessToken']}"})
    assert response.status_code == 200
    assert_error(await refresh(client, session["refreshToken"]), 401, "invalid-refresh-token")
    assert_error(await refresh(client, other["session"]["refreshToken"]), 401, "invalid-refresh-token")


async def test_get_user(client):
    session = await session_for(client)
    response = await client.get("/v1/user", headers={"Authorization": f"Bearer {session['accessToken']}"})
    assert response.status_code == 200
    assert response.json() == session["user"]


async def test_get_user_requires_a_valid_token(client):
    session = await session_for(client)
    assert_error(await client.get("/v1/user"), 401, "unauthenticated-user")
    assert_error(await client.get("/v1/user", headers={"Authorization": "Bearer nope"}), 401, "unauthenticated-user")
    assert_error(await client.get("/v1/user", headers={"Authorization": f"Basic {session['accessToken']}"}), 401,
                 "unauthenticated-user")
    tampered = session["accessToken"][:-4] + ("AAAA" if not session["accessToken"].endswith("AAAA") else "BBBB")
    assert_error(await client.get("/v1/user", headers={"Authorization": f"Bearer {tampered}"}), 401,
                 "unauthenticated-user")


async def test_verify_token_from_body_or_header(client):
    session = await session_for(client)
    ok = await client.post("/v1/token/verify", json={"token": session["accessToken"]})
    assert ok.status_code == 200 and ok.json() == "OK"
    ok = await client.post("/v1/token/verify", headers={"Authorization": f"Bearer {session['accessToken']}"})
    assert ok.status_code == 200
    assert_error(await client.post("/v1/token/verify", json={"token": "x.y.z"}), 401, "unauthenticated-user")
    assert_error(await client.post("/v1/token/verify"), 401, "unauthenticated-user")


async def test_jwks_publishes_the_signing_key(client):
    session = await session_for(client)
    jwks = (await client.get("/v1/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(session["accessToken"])["kid"]
    (key,) = [k for k in jwks["keys"] if k["kid"] == kid]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key  # never the private part
    public = jwt.PyJWK(key)
    claims = jwt.decode(session["accessToken"], public.key, algorithms=["RS256"], issuer="http://127.0.0.1:4000")
    assert claims["sub"] == session["user"]["id"]


async def test_key_rotation_keeps_old_tokens_valid(client):
    session = await session_for(client)
    old_kid = jwt.get_unverified_header(session["accessToken"])["kid"]
    new_kid = await client.core.keys.rotate()
    assert new_kid != old_kid
    kids = {k["kid"] for k in (await client.get("/v1/.well-known/jwks.json")).json()["keys"]}
    assert kids == {old_kid, new_kid}
    assert (await client.get("/v1/user", headers={"Authorization": f"Bearer {session['accessToken']}"})).status_code == 200
    fresh = (await refresh(client, session["refreshToken"])).json()
    assert jwt.get_unverified_header(fresh["accessToken"])["kid"] == new_kid


async def test_health_and_version(client):
    assert (await client.get("/healthz")).json() == "OK"
    assert (await client.head("/v1/healthz")).status_code == 200
    from authward import __version__

    assert (await client.get("/v1/version")).json() == {"version": __version__}


async def test_get_user_sees_writes_at_once(client):
    """The hot read path must not serve a stale row (no snapshot kept between reads)."""
    session = await session_for(client)
    headers = {"Authorization": f"Bearer {session['accessToken']}"}
    assert (await client.get("/v1/user", headers=headers)).json()["displayName"] == "ada@example.com"
    async with client.core.db.write() as s:
        (await s.get(User, uuid.UUID(session["user"]["id"]))).display_name = "Ada"
    assert (await client.get("/v1/user", headers=headers)).json()["displayName"] == "Ada"
    async with client.core.db.write() as s:
        (await s.get(User, uuid.UUID(session["user"]["id"]))).disabled = True
    assert_error(await client.get("/v1/user", headers=headers), 401, "disabled-user")


async def test_unexpected_error_on_a_hot_route_is_a_json_500(client, monkeypatch):
    session = await session_for(client)

    async def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(client.core.db, "fetch_one", broken)
    response = await client.get("/v1/user", headers={"Authorization": f"Bearer {session['accessToken']}"})
    assert_error(response, 500, "internal-server-error")
    assert "database went away" not in response.text


async def test_refresh_body_errors_are_answered_by_the_route(client):
    """The hot POST layer takes only valid JSON bodies; every other body reaches FastAPI intact."""
    session = await session_for(client)
    assert_error(await client.post("/v1/token", json={"refreshToken": 5}), 400, "invalid-request")
    assert_error(await client.post("/v1/token", json={"refreshToken": session["refreshToken"], "x": 1}),
                 400, "invalid-request")
    assert_error(await client.post("/v1/token", content=b'{"refreshToken": ', headers={"content-type":
                                                                                      "application/json"}),
                 400, "invalid-request")
    # the same valid body under a charset parameter, and sent in chunks, is a refresh
    async def chunks():
        body = f'{{"refreshToken": "{session["refreshToken"]}"}}'.encode()
        yield body[:10]
        yield body[10:]

    response = await client.post("/v1/token", content=chunks(),
                                 headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"


async def test_verify_token_body_without_token_falls_back_to_the_header(client):
    session = await session_for(client)
    headers = {"Authorization": f"Bearer {session['accessToken']}"}
    assert (await client.post("/v1/token/verify", json={}, headers=headers)).status_code == 200
    assert_error(await client.post("/v1/token/verify", json={}), 401, "unauthenticated-user")
    assert_error(await client.post("/v1/token/verify", json={"token": "nope"}), 401, "unauthenticated-user")


async def test_refresh_writes_last_seen_once_a_minute(client):
    """A rotation refreshes `last_seen` only when it is over a minute old (no write per refresh)."""
    session = await session_for(client)
    user_id = uuid.UUID(session["user"]["id"])
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    async with client.core.db.write() as s:
        (await s.get(User, user_id)).last_seen = long_ago
    body = (await refresh(client, session["refreshToken"])).json()
    async with client.core.db.read() as s:
        seen = (await s.get(User, user_id)).last_seen
    assert seen > long_ago + timedelta(minutes=4)
    await refresh(client, body["refreshToken"])
    async with client.core.db.read() as s:
        assert (await s.get(User, user_id)).last_seen == seen


async def test_a_refused_refresh_changes_nothing(client):
    """A disabled user's refresh rolls the rotation back: the token is still active, its family intact."""
    session = await session_for(client)
    user_id = uuid.UUID(session["user"]["id"])
    async with client.core.db.write() as s:
        (await s.get(User, user_id)).disabled = True
    assert_error(await refresh(client, session["refreshToken"]), 401, "disabled-user")
    async with client.core.db.read() as s:
        rows = (await s.scalars(select(RefreshToken))).all()
    assert [(row.status, row.rotated_at) for row in rows] == [("active", None)]
    async with client.core.db.write() as s:
        (await s.get(User, user_id)).disabled = False
    assert (await refresh(client, session["refreshToken"])).status_code == 200


async def test_family_lock_key_matches_the_databases(client):
    """The advisory-lock key PostgreSQL computes from a family id is the one `lock_family` takes."""
    from sqlalchemy import literal_column

    from authward.storage.repos.refresh_tokens import _lock_key

    if not client.core.db.url.startswith("postgres"):
        return  # SQLite serialises writers without advisory locks
    family_ids = [uuid.uuid4() for _ in range(50)] + [uuid.UUID(int=(1 << 64) - 1), uuid.UUID(int=1 << 63)]
    async with client.core.db.read() as s:
        for family_id in family_ids:
            sql = f"('x' || right(replace(CAST(CAST('{family_id}' AS uuid) AS text), '-', ''), 16))::bit(64)::bigint"
            assert await s.scalar(select(literal_column(sql))) == _lock_key(family_id)
