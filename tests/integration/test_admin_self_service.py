"""Self-service: DELETE /user (recently authenticated, a confirmation mail, everything removed) and
GET /user/export (everything of the user's, no secrets)."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from authward.storage.models import (
    AuditEvent,
    Credential,
    PersonalAccessToken,
    ProviderLink,
    RefreshToken,
    Ticket,
    User,
)
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, assert_error, session_for


def bearer(session: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_export_has_everything_and_no_secret(make_client):
    client = await make_client()
    session = await session_for(client)
    uid = uuid.UUID(session["user"]["id"])
    pat = (await client.post("/v1/pat", json={"expiresAt": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
                                              "metadata": {"name": "ci"}}, headers=bearer(session))).json()
    async with client.core.db.write() as s:
        s.add(ProviderLink(user_id=uid, provider="github", provider_user_id="42", created_at=client.core.clock(),
                           updated_at=client.core.clock(), access_token_encrypted=b"sealed-provider-token"))
        s.add(Credential(user_id=uid, type="webauthn", identifier="cred-id", created_at=client.core.clock(),
                         data={"publicKey": "PUBLICKEYMATERIAL", "nickname": "YubiKey", "signCount": 3}))
    exported = await client.get("/v1/user/export", headers=bearer(session))
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["user"]["email"] == "ada@example.com" and body["user"]["id"] == str(uid)
    assert len(body["sessions"]) == 1 and body["sessions"][0]["amr"] == ["pwd"]
    assert body["providers"] == [{"provider": "github", "providerUserId": "42", "createdAt": body["providers"][0]
                                  ["createdAt"], "updatedAt": body["providers"][0]["updatedAt"]}]
    assert body["securityKeys"][0]["nickname"] == "YubiKey"
    assert body["personalAccessTokens"][0]["id"] == pat["id"]
    assert body["personalAccessTokens"][0]["metadata"] == {"name": "ci"}
    assert {"user.signed_up", "pat.created"} <= {e["event"] for e in body["auditEvents"]}
    text = exported.text
    async with client.core.db.read() as s:
        hashes = [r.token_hash for r in (await s.scalars(select(RefreshToken))).all()]
        hashes += [r.token_hash for r in (await s.scalars(select(PersonalAccessToken))).all()]
        password_hash = (await s.get(User, uid)).password_hash
    for secret in [*hashes, password_hash, pat["personalAccessToken"], session["refreshToken"], "PUBLICKEYMATERIAL",
                   "sealed-provider-token", "cred-id"]:
        assert secret not in text
    assert_error(await client.get("/v1/user/export"), 401, "unauthenticated-user")


async def test_delete_needs_a_recent_authentication(make_client):
    clock = Clock()
    client = await make_client(clock=clock)
    session = await session_for(client)
    clock.now += timedelta(hours=1)  # the sign-in is no longer recent
    assert_error(await client.delete("/v1/user", headers=bearer(session)), 401, "elevated-claim-required")
    assert_error(await client.delete("/v1/user"), 401, "unauthenticated-user")
    async with client.core.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 1
    # a refused deletion records no cutoff: the token still verifies
    assert (await client.post("/v1/token/verify", json={"token": session["accessToken"]})).status_code == 200


async def test_delete_removes_everything_and_mails_a_confirmation(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    other = await session_for(client, "bob@example.com")
    session = await session_for(client)
    uid = uuid.UUID(session["user"]["id"])
    await client.post("/v1/pat", json={"expiresAt": (datetime.now(UTC) + timedelta(days=5)).isoformat()},
                      headers=bearer(session))
    await client.post("/v1/user/password/reset", json={"email": "ada@example.com"})
    await mail_sink.wait_for("ada@example.com", count=2)  # the PAT's security notice, then the reset link
    async with client.core.db.write() as s:
        s.add(ProviderLink(user_id=uid, provider="github", provider_user_id="42", created_at=client.core.clock(),
                           updated_at=client.core.clock()))
        s.add(Credential(user_id=uid, type="webauthn", identifier="k", data={}, created_at=client.core.clock()))

    verified = await client.post("/v1/token/verify", json={"token": session["accessToken"]})
    assert verified.status_code == 200  # remembered by the verified-token cache...
    deleted = await client.delete("/v1/user", headers=bearer(session))
    assert deleted.status_code == 200 and deleted.json() == "OK"
    # ...and refused once the account is gone: the check reads no user row, the deletion's cutoff refuses it
    assert_error(await client.post("/v1/token/verify", json={"token": session["accessToken"]}), 401,
                 "unauthenticated-user")
    mail = await mail_sink.wait_for("ada@example.com", count=3)
    assert mail.subject == "Your account was deleted"
    async with client.core.db.read() as s:
        assert [u.email for u in (await s.scalars(select(User))).all()] == ["bob@example.com"]
        for model in (RefreshToken, PersonalAccessToken, ProviderLink, Credential, Ticket):
            assert await s.scalar(select(func.count()).select_from(model).where(model.user_id == uid)) == 0, model
        event = (await s.scalars(select(AuditEvent).where(AuditEvent.event == "user.deleted_self"))).one()
    assert event.user_id == uid
    assert_error(await client.get("/v1/user", headers=bearer(session)), 401, "unauthenticated-user")
    assert_error(await client.post("/v1/token", json={"refreshToken": session["refreshToken"]}), 401,
                 "invalid-refresh-token")
    assert_error(await client.post("/v1/signin/email-password", json={"email": "ada@example.com",
                                                                       "password": PASSWORD}), 401,
                 "invalid-email-password")
    assert (await client.get("/v1/user", headers=bearer(other))).status_code == 200
