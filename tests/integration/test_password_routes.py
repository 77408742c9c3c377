"""Email + password sign-up and sign-in through the Nhost routes, on SQLite and PostgreSQL."""

from __future__ import annotations

import jwt
from sqlalchemy import func, select

from authward.storage.models import AuditEvent, RefreshToken, User, WebhookMessage
from tests.integration.helpers import PASSWORD, assert_error, session_for, sign_up


async def test_sign_up_returns_session_and_user(client):
    response = await sign_up(client, "Ada.Lovelace@Example.COM", displayName="Ada", locale="fr",
                             metadata={"plan": "pro"})
    assert response.status_code == 200
    session = response.json()["session"]
    user = session["user"]
    assert user["email"] == "ada.lovelace@example.com"
    assert user["displayName"] == "Ada"
    assert user["locale"] == "fr"
    assert user["metadata"] == {"plan": "pro"}
    assert user["defaultRole"] == "user"
    assert set(user["roles"]) == {"user", "me"}
    assert user["isAnonymous"] is False
    assert user["emailVerified"] is False
    assert session["accessTokenExpiresIn"] == 900
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    hasura = claims["https://hasura.io/jwt/claims"]
    assert claims["sub"] == user["id"] == hasura["x-hasura-user-id"]
    assert hasura["x-hasura-default-role"] == "user"
    assert hasura["x-hasura-user-is-anonymous"] == "false"
    assert claims["iss"] == "http://127.0.0.1:4000"
    assert claims["exp"] - claims["iat"] == 900


async def test_root_and_v1_prefix_serve_the_same_routes(client):
    assert (await sign_up(client, "one@example.com")).status_code == 200
    response = await client.post("/signup/email-password", json={"email": "two@example.com", "password": PASSWORD})
    assert response.status_code == 200


async def test_duplicate_email_is_case_insensitive(client):
    await session_for(client, "grace@example.com")
    assert_error(await sign_up(client, "GRACE@example.com"), 409, "email-already-in-use")


async def test_password_too_short(client):
    assert_error(await sign_up(client, password="short"), 400, "password-too-short")


async def test_long_passwords_are_accepted_whole(client):
    long_password = "p" * 99 + "a"
    await sign_up(client, "long@example.com", password=long_password)
    ok = await client.post("/v1/signin/email-password", json={"email": "long@example.com", "password": long_password})
    assert ok.status_code == 200
    # differs only in the last character: must fail (no truncation, ASVS 6.2.8)
    bad = await client.post("/v1/signin/email-password", json={"email": "long@example.com", "password": "p" * 99 + "b"})
    assert_error(bad, 401, "invalid-email-password")


async def test_sign_up_options_validated(client):
    assert_error(await sign_up(client, allowedRoles=["admin"]), 400, "role-not-allowed")
    assert_error(await sign_up(client, defaultRole="me", allowedRoles=["user"]), 400,
                 "default-role-must-be-in-allowed-roles")
    assert_error(await sign_up(client, locale="xx"), 400, "locale-not-allowed")
    assert_error(await sign_up(client, displayName="javascript:alert(1)"), 400, "invalid-request")


async def test_sign_up_with_role_options(client):
    response = await sign_up(client, defaultRole="me", allowedRoles=["me"])
    user = response.json()["session"]["user"]
    assert user["defaultRole"] == "me"
    assert user["roles"] == ["me"]


async def test_signup_disabled(make_client):
    client = await make_client(disable_signup=True)
    assert_error(await sign_up(client), 403, "signup-disabled")


async def test_sign_in(client):
    await session_for(client)
    response = await client.post("/v1/signin/email-password", json={"email": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["mfa"] is None
    assert body["session"]["user"]["email"] == "ada@example.com"


async def rows_of(client, table, user_id=None):
    async with client.core.db.read() as s:
        stmt = select(table)
        if user_id is not None and hasattr(table, "user_id"):
            stmt = stmt.where(table.user_id == user_id)
        return list((await s.scalars(stmt)).all())


async def test_sign_in_writes_its_session_audit_rows_webhook_messages_and_last_seen(client):
    """The common sign-in is one short write of its own (SignInCompletion.complete_alone): everything the
    unit-of-work path writes is there, with the request's IP and user agent."""
    session = await session_for(client)
    uid = __import__("uuid").UUID(session["user"]["id"])
    await client.core.background.drain()
    await client.core.webhooks.run_once()  # no endpoint: the sign-up's messages are dropped
    before_tokens = {row.id for row in await rows_of(client, RefreshToken)}
    before_events = {row.id for row in await rows_of(client, AuditEvent)}
    response = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD},
                                 headers={"user-agent": "SignInTest/2.0"})
    assert response.status_code == 200, response.text
    body = response.json()["session"]
    new_tokens = [row for row in await rows_of(client, RefreshToken) if row.id not in before_tokens]
    assert len(new_tokens) == 1
    token = new_tokens[0]
    assert (token.user_id, token.status, token.parent_id, token.client_id) == (uid, "active", None, None)
    assert str(token.family_id) == body["refreshTokenId"]
    assert token.amr == ["pwd"]
    assert token.user_agent == "SignInTest/2.0"
    assert token.expires_at > token.created_at
    events = sorted((row for row in await rows_of(client, AuditEvent) if row.id not in before_events),
                    key=lambda row: row.event)
    assert [row.event for row in events] == ["session.issued", "user.signed_in"]
    assert all(row.user_id == uid and row.ip == "127.0.0.1" for row in events)
    assert events[1].user_agent == "SignInTest/2.0" and events[1].data["method"] == "password"
    assert events[0].data["family_id"] == body["refreshTokenId"]
    messages = await rows_of(client, WebhookMessage)
    assert sorted(message.event for message in messages) == ["session.issued", "user.signed_in"]
    users = await rows_of(client, User)
    assert users[0].last_seen is not None and users[0].last_seen >= token.created_at
    # the refresh token works: the session is whole
    refreshed = await client.post("/v1/token", json={"refreshToken": body["refreshToken"]})
    assert refreshed.status_code == 200


async def test_a_sign_in_whose_write_fails_writes_nothing(client, monkeypatch):
    """One transaction: a failure after the token's INSERT (here, the audit rows') leaves no token behind."""
    from authward.services import audit

    await session_for(client)
    before = len(await rows_of(client, RefreshToken))
    events_before = len(await rows_of(client, AuditEvent))

    async def failing(tx, entries):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(audit, "write_on", failing)
    response = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert_error(response, 500, "internal-server-error")
    assert len(await rows_of(client, RefreshToken)) == before
    assert len(await rows_of(client, AuditEvent)) == events_before


async def test_the_hot_sign_in_and_the_routed_one_answer_alike(make_client, monkeypatch):
    """A valid JSON body is answered before FastAPI's routing (api/hot.py, Method.hot_posts), by the service
    the documented route calls: two apps on one database, one without the hot POST, answer alike."""
    from authward import app as app_module
    from authward.api.nhost.schemas import SignInEmailPasswordRequest

    hot_client = await make_client()
    monkeypatch.setattr(app_module, "with_method_hot_posts", lambda faces, methods: list(faces))
    routed_client = await make_client()
    monkeypatch.undo()
    taken: list[bytes] = []
    validate = SignInEmailPasswordRequest.model_validate_json

    def counted(data: bytes, *args, **kwargs):
        taken.append(data)
        return validate(data, *args, **kwargs)

    monkeypatch.setattr(SignInEmailPasswordRequest, "model_validate_json", counted)
    await session_for(hot_client)
    right = {"email": "ada@example.com", "password": PASSWORD}
    hot = await hot_client.post("/v1/signin/email-password", json=right)
    assert len(taken) == 1  # the hot handler parsed it
    routed = await routed_client.post("/v1/signin/email-password", json=right)
    assert len(taken) == 1  # the routed app never looked at the hot path
    assert hot.status_code == routed.status_code == 200
    assert hot.json().keys() == routed.json().keys()
    assert hot.json()["session"].keys() == routed.json()["session"].keys()
    assert hot.json()["session"]["user"] == routed.json()["session"]["user"]
    assert hot.headers["content-type"] == routed.headers["content-type"]
    assert hot.headers["cache-control"] == routed.headers["cache-control"] == "no-store"
    wrong = {"email": "ada@example.com", "password": "not the password"}
    hot_wrong = await hot_client.post("/v1/signin/email-password", json=wrong)
    routed_wrong = await routed_client.post("/v1/signin/email-password", json=wrong)
    assert hot_wrong.status_code == routed_wrong.status_code == 401
    assert hot_wrong.json() == routed_wrong.json()
    # a body the route's model refuses goes on to FastAPI, whose error it is, as on the routed app
    missing = {"email": "ada@example.com"}
    hot_bad = await hot_client.post("/v1/signin/email-password", json=missing)
    assert_error(hot_bad, 400, "invalid-request")
    assert hot_bad.json() == (await routed_client.post("/v1/signin/email-password", json=missing)).json()


async def test_unknown_email_and_wrong_password_look_the_same(client):
    await session_for(client)
    wrong = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": "nope nope nope"})
    unknown = await client.post("/v1/signin/email-password", json={"email": "bob@example.com", "password": PASSWORD})
    assert_error(wrong, 401, "invalid-email-password")
    assert_error(unknown, 401, "invalid-email-password")
    assert wrong.json() == unknown.json()


async def test_disabled_user_cannot_sign_in(client):
    session = await session_for(client)
    async with client.core.db.write() as s:
        user = await s.get(User, __import__("uuid").UUID(session["user"]["id"]))
        user.disabled = True
    response = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert_error(response, 401, "disabled-user")


async def test_email_verification_required_gives_no_session(make_client):
    client = await make_client(email_verification_required=True)
    response = await sign_up(client)
    assert response.status_code == 200
    assert response.json() == {"session": None}
    signin = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert_error(signin, 401, "unverified-user")


async def test_bcrypt_hash_is_accepted_and_upgraded(client):
    import bcrypt

    session = await session_for(client)
    uid = __import__("uuid").UUID(session["user"]["id"])
    async with client.core.db.write() as s:
        user = await s.get(User, uid)
        user.password_hash = bcrypt.hashpw(b"imported password 1", bcrypt.gensalt(rounds=4)).decode()
    response = await client.post("/v1/signin/email-password",
                                 json={"email": "ada@example.com", "password": "imported password 1"})
    assert response.status_code == 200
    async with client.core.db.read() as s:
        user = await s.get(User, uid)
        assert user.password_hash.startswith("$argon2id$")


async def test_argon2_parameters_change_triggers_rehash(make_client):
    first = await make_client()
    session = await session_for(first)
    second = await make_client(password_hash_time_cost=2)
    response = await second.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 200
    async with second.core.db.read() as s:
        user = await s.get(User, __import__("uuid").UUID(session["user"]["id"]))
        assert ",t=2," in user.password_hash


async def test_failed_sign_up_writes_nothing(client):
    await sign_up(client, allowedRoles=["admin"])
    await sign_up(client, password="x")
    async with client.core.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 0
        assert await s.scalar(select(func.count()).select_from(RefreshToken)) == 0
        assert await s.scalar(select(func.count()).select_from(AuditEvent)) == 0


async def test_password_is_never_stored_in_clear(client):
    session = await session_for(client)
    async with client.core.db.read() as s:
        user = await s.get(User, __import__("uuid").UUID(session["user"]["id"]))
        token = (await s.scalars(select(RefreshToken))).first()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert session["refreshToken"] not in token.token_hash
    assert len(token.token_hash) == 64
