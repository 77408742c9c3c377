"""Anonymous users: sign-in, deanonymize (same id, same data), forbidden-anonymous, stale cleanup."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
from sqlalchemy import func, select

from authward.methods.anonymous.service import AnonymousService
from authward.storage.models import RefreshToken, User
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, assert_error, session_for

ANON = {"anonymous_users_enabled": True}
NS = "https://hasura.io/jwt/claims"


def bearer(session: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


async def anonymous_session(client, **body) -> dict:
    response = await client.post("/v1/signin/anonymous", json=body or None)
    assert response.status_code == 200, response.text
    return response.json()["session"]


async def load_user(client, user_id: str) -> User:
    async with client.core.db.read() as session:
        user = await session.get(User, uuid.UUID(user_id))
    assert user is not None
    return user


async def deanonymize(client, session: dict, **body):
    return await client.post("/v1/user/deanonymize", json=body, headers=bearer(session))


async def test_disabled_by_default(client):
    assert_error(await client.post("/v1/signin/anonymous"), 409, "disabled-endpoint")


async def test_signup_disabled_wins(make_client):
    client = await make_client(**ANON, disable_signup=True)
    assert_error(await client.post("/v1/signin/anonymous"), 403, "signup-disabled")


async def test_sign_in_anonymous(make_client):
    client = await make_client(**ANON)
    response = await client.post("/v1/signin/anonymous")  # the body is optional
    assert response.status_code == 200, response.text
    session = response.json()["session"]
    user = session["user"]
    assert user["isAnonymous"] is True
    assert user["defaultRole"] == "anonymous"
    assert user["roles"] == ["anonymous"]
    assert user["displayName"] == "Anonymous User"
    assert "email" not in user
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    assert claims[NS]["x-hasura-user-is-anonymous"] == "true"
    assert claims[NS]["x-hasura-default-role"] == "anonymous"
    assert claims[NS]["x-hasura-allowed-roles"] == ["anonymous"]
    # and the session works like any other
    me = await client.get("/v1/user", headers=bearer(session))
    assert me.json()["id"] == user["id"]
    assert (await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})).status_code == 200


async def test_sign_in_anonymous_with_profile(make_client):
    client = await make_client(**ANON)
    user = (await anonymous_session(client, displayName="Guest", locale="fr", metadata={"cart": [1]}))["user"]
    assert (user["displayName"], user["locale"], user["metadata"]) == ("Guest", "fr", {"cart": [1]})
    assert_error(await client.post("/v1/signin/anonymous", json={"locale": "xx"}), 400, "locale-not-allowed")
    assert_error(await client.post("/v1/signin/anonymous", json={"email": "a@b.c"}), 400, "invalid-request")


async def test_deanonymize_email_password_keeps_id_and_data(make_client):
    client = await make_client(**ANON)
    anon = await anonymous_session(client, metadata={"cart": [1, 2]})
    response = await deanonymize(client, anon, signInMethod="email-password", email="Kim@Example.com",
                                 password=PASSWORD, options={"metadata": {"plan": "pro"}, "displayName": "Kim"})
    assert response.status_code == 200, response.text
    assert response.json() == "OK"
    signed_in = await client.post("/v1/signin/email-password", json={"email": "kim@example.com", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    user = signed_in.json()["session"]["user"]
    assert user["id"] == anon["user"]["id"]
    assert user["isAnonymous"] is False
    assert user["email"] == "kim@example.com"
    assert user["displayName"] == "Kim"
    assert user["metadata"] == {"cart": [1, 2], "plan": "pro"}
    assert user["defaultRole"] == "user"
    assert set(user["roles"]) == {"user", "me"}
    # the anonymous session goes on, now with the regular claims
    refreshed = await client.post("/v1/token", json={"refreshToken": anon["refreshToken"]})
    assert refreshed.status_code == 200
    claims = jwt.decode(refreshed.json()["accessToken"], options={"verify_signature": False})
    assert claims["sub"] == anon["user"]["id"]
    assert claims[NS]["x-hasura-user-is-anonymous"] == "false"
    assert claims[NS]["x-hasura-default-role"] == "user"


async def test_deanonymize_passwordless_ends_the_anonymous_sessions(make_client):
    client = await make_client(**ANON)
    anon = await anonymous_session(client)
    response = await deanonymize(client, anon, signInMethod="passwordless", email="lee@example.com")
    assert response.status_code == 200, response.text
    user = await load_user(client, anon["user"]["id"])
    assert (user.email, user.is_anonymous, user.email_verified, user.password_hash) == (
        "lee@example.com", False, False, None)
    assert user.default_role == "user"
    assert user.display_name == "lee@example.com"
    assert_error(await client.post("/v1/token", json={"refreshToken": anon["refreshToken"]}), 401,
                 "invalid-refresh-token")


async def test_deanonymize_with_verification_required_ends_the_sessions(make_client):
    client = await make_client(**ANON, email_verification_required=True)
    anon = await anonymous_session(client)
    response = await deanonymize(client, anon, signInMethod="email-password", email="v@example.com",
                                 password=PASSWORD)
    assert response.status_code == 200
    assert_error(await client.post("/v1/token", json={"refreshToken": anon["refreshToken"]}), 401,
                 "invalid-refresh-token")


async def test_deanonymize_refusals_leave_the_user_anonymous(make_client):
    client = await make_client(**ANON)
    await session_for(client, "taken@example.com")
    anon = await anonymous_session(client)
    assert_error(await deanonymize(client, anon, signInMethod="email-password", email="TAKEN@example.com",
                                   password=PASSWORD), 409, "email-already-in-use")
    assert_error(await deanonymize(client, anon, signInMethod="email-password", email="new@example.com"), 400,
                 "invalid-request")
    assert_error(await deanonymize(client, anon, signInMethod="email-password", email="new@example.com",
                                   password="short"), 400, "password-too-short")
    assert_error(await deanonymize(client, anon, signInMethod="magic", email="new@example.com"), 400,
                 "invalid-request")
    assert_error(await deanonymize(client, anon, signInMethod="passwordless", email="not-an-email"), 400,
                 "invalid-request")
    assert_error(await deanonymize(client, anon, signInMethod="passwordless", email="new@example.com",
                                   options={"allowedRoles": ["admin"]}), 400, "role-not-allowed")
    user = await load_user(client, anon["user"]["id"])
    assert user.is_anonymous is True
    assert user.email is None
    assert user.roles == ["anonymous"]


async def test_deanonymize_needs_an_anonymous_bearer(make_client):
    client = await make_client(**ANON)
    assert_error(await client.post("/v1/user/deanonymize", json={"signInMethod": "passwordless",
                                                                 "email": "x@example.com"}), 401,
                 "unauthenticated-user")
    regular = await session_for(client, "regular@example.com")
    assert_error(await deanonymize(client, regular, signInMethod="passwordless", email="x@example.com"), 400,
                 "user-not-anonymous")
    anon = await anonymous_session(client)
    assert (await deanonymize(client, anon, signInMethod="passwordless", email="x@example.com")).status_code == 200
    # the old access token still says anonymous, but the user no longer is
    assert_error(await deanonymize(client, anon, signInMethod="passwordless", email="y@example.com"), 400,
                 "user-not-anonymous")


async def test_anonymous_users_are_forbidden_personal_access_tokens(make_client):
    client = await make_client(**ANON)
    anon = await anonymous_session(client)
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert_error(await client.post("/v1/pat", json={"expiresAt": expires}, headers=bearer(anon)), 403,
                 "forbidden-anonymous")
    assert_error(await client.get("/v1/pat", headers=bearer(anon)), 403, "forbidden-anonymous")


async def test_stale_anonymous_users_are_deleted(make_client):
    client = await make_client(**ANON, anonymous_users_max_age=86_400)
    stale = await anonymous_session(client)
    fresh = await anonymous_session(client)
    regular = await session_for(client, "old@example.com")
    old = datetime.now(UTC) - timedelta(days=2)
    async with client.core.db.write() as session:
        for session_data in (stale, regular):
            user = await session.get(User, uuid.UUID(session_data["user"]["id"]))
            user.created_at = old
            user.last_seen = old
    assert await client.runtime.get(AnonymousService).delete_stale() == 1
    async with client.core.db.read() as session:
        ids = {str(uid) for uid in (await session.scalars(select(User.id))).all()}
        stale_tokens = await session.scalar(
            select(func.count()).select_from(RefreshToken).where(RefreshToken.user_id == uuid.UUID(stale["user"]["id"]))
        )
    assert ids == {fresh["user"]["id"], regular["user"]["id"]}
    assert stale_tokens == 0  # cascaded
    assert_error(await client.post("/v1/token", json={"refreshToken": stale["refreshToken"]}), 401,
                 "invalid-refresh-token")


async def test_stale_cleanup_can_be_turned_off(make_client):
    client = await make_client(**ANON, anonymous_users_max_age=0)
    anon = await anonymous_session(client)
    async with client.core.db.write() as session:
        user = await session.get(User, uuid.UUID(anon["user"]["id"]))
        user.created_at = user.last_seen = datetime.now(UTC) - timedelta(days=3650)
    assert await client.runtime.get(AnonymousService).delete_stale() == 0


# -- the emailed link that finishes a deanonymization (real SMTP sink)
def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def follow(client, link: str) -> dict[str, str]:
    parts = urlsplit(link)
    response = await client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])


async def test_deanonymize_passwordless_mails_a_magic_link(mail_client, mail_sink):  # noqa: F811
    client = await mail_client(**ANON, email_verification_required=False)
    anon = await anonymous_session(client, metadata={"cart": [7]})
    response = await deanonymize(client, anon, signInMethod="passwordless", email="Mo@Example.com",
                                 options={"redirectTo": "https://app.example.com/welcome"})
    assert response.status_code == 200, response.text
    mail = await mail_sink.wait_for("mo@example.com")
    assert mail.ticket().startswith("passwordlessEmail:")
    params = await follow(client, mail.link())
    assert params["type"] == "passwordlessEmail"
    session = (await client.post("/v1/token", json={"refreshToken": params["refreshToken"]})).json()
    assert session["user"]["id"] == anon["user"]["id"]
    assert session["user"]["emailVerified"] is True
    assert session["user"]["metadata"] == {"cart": [7]}


async def test_deanonymize_with_verification_mails_the_verification_link(mail_client, mail_sink):  # noqa: F811
    client = await mail_client(**ANON)  # email_verification_required=True
    anon = await anonymous_session(client)
    assert (await deanonymize(client, anon, signInMethod="email-password", email="ver@example.com",
                              password=PASSWORD)).status_code == 200
    signin = await client.post("/v1/signin/email-password", json={"email": "ver@example.com", "password": PASSWORD})
    assert_error(signin, 401, "unverified-user")
    mail = await mail_sink.wait_for("ver@example.com")
    assert mail.ticket().startswith("verifyEmail:")
    params = await follow(client, mail.link())
    user = (await client.post("/v1/token", json={"refreshToken": params["refreshToken"]})).json()["user"]
    assert user["id"] == anon["user"]["id"]
    signin = await client.post("/v1/signin/email-password", json={"email": "ver@example.com", "password": PASSWORD})
    assert signin.status_code == 200


async def test_deanonymize_checks_the_redirect_and_the_code_challenge(make_client):
    client = await make_client(**ANON)
    anon = await anonymous_session(client)
    assert_error(await deanonymize(client, anon, signInMethod="passwordless", email="r@example.com",
                                   options={"redirectTo": "https://evil.example.net/"}), 400,
                 "redirectTo-not-allowed")
    assert_error(await deanonymize(client, anon, signInMethod="passwordless", email="r@example.com",
                                   codeChallenge="a" * 42), 400, "invalid-request")
    assert (await load_user(client, anon["user"]["id"])).is_anonymous is True
