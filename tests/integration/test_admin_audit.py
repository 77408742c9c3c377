"""The audit log: a row per security event with user, IP, user agent and actor; GET /admin/audit; retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import func, select

from authward.services import audit
from authward.storage.models import AuditEvent
from tests.integration.helpers import PASSWORD, session_for

SECRET = "admin-secret-for-tests-0123456789"
ADMIN = {"x-authward-admin-secret": SECRET}
AGENT = {"user-agent": "AuditTest/1.0"}


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}", **AGENT}


async def events(client, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/admin/audit", params={"limit": 500, **params}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()["events"]


def one(found: list[dict[str, Any]], name: str) -> dict[str, Any]:
    matching = [e for e in found if e["event"] == name]
    assert matching, f"no {name} in {[e['event'] for e in found]}"
    return matching[0]


async def test_a_row_for_each_security_event(make_client):
    client = await make_client(admin_secret=SECRET, refresh_token_reuse_interval=0)
    ada = await session_for(client)
    uid = ada["user"]["id"]
    # sign-in success and failure, with the method, IP and user agent
    ok = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD},
                           headers=AGENT)
    session = ok.json()["session"]
    await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": "wrong one!!"},
                      headers=AGENT)
    await client.post("/v1/signin/email-password", json={"email": "nobody@example.com", "password": "wrong one!!"})
    # MFA enabled, a wrong code, MFA disabled
    generated = (await client.get("/v1/mfa/totp/generate", headers=bearer(session))).json()
    code = pyotp.TOTP(generated["totpSecret"]).now()
    activated = await client.post("/v1/user/mfa", json={"code": code, "activeMfaType": "totp"}, headers=bearer(session))
    assert activated.status_code == 200, activated.text
    await client.post("/v1/user/mfa", json={"code": "000000", "activeMfaType": ""}, headers=bearer(session))
    removed = await client.delete(f"/admin/users/{uid}/mfa", headers=ADMIN)
    assert removed.json() == {"removed": True}
    # a password change, an email change asked for and one made by an admin
    changed = await client.post("/v1/user/password", json={"newPassword": "another long passphrase"},
                                headers=bearer(session))
    assert changed.status_code == 200, changed.text
    await client.patch(f"/admin/users/{uid}", json={"email": "ada@new.example.com"}, headers=ADMIN)
    # a PAT, token reuse
    bob = await session_for(client, "bob@example.com")
    pat = await client.post("/v1/pat", json={"expiresAt": (datetime.now(UTC) + timedelta(days=5)).isoformat()},
                            headers=bearer(bob))
    assert pat.status_code == 200, pat.text
    rotated = await client.post("/v1/token", json={"refreshToken": bob["refreshToken"]})
    assert rotated.status_code == 200
    await client.post("/v1/token", json={"refreshToken": bob["refreshToken"]})  # reuse: the family is revoked

    found = await events(client)
    signed_in = [e for e in found if e["event"] == "user.signed_in" and e["userAgent"] == "AuditTest/1.0"]
    assert signed_in and signed_in[0]["data"]["method"] == "password" and signed_in[0]["ip"] == "127.0.0.1"
    failures = [e for e in found if e["event"] == "user.sign_in_failed"]
    assert {(e["userId"], e["data"]["reason"]) for e in failures} == {
        (uid, "invalid-email-password"), (None, "invalid-email-password")}
    assert all(e["data"]["method"] == "password" and e["ip"] for e in failures)
    assert "wrong one!!" not in str(found)
    assert one(found, "mfa.totp.activated")["userId"] == uid
    assert one(found, "mfa.totp.failed")["userId"] == uid
    deactivated = one(found, "mfa.totp.deactivated")
    assert deactivated["actor"] == "admin-secret" and deactivated["data"]["method"] == "admin"
    assert one(found, "user.password_changed")["data"]["via"] == "session"
    email_changed = one(found, "user.email_changed")
    assert email_changed["actor"] == "admin-secret" and email_changed["data"]["previous"] == "ada@example.com"
    assert one(found, "pat.created")["userId"] == bob["user"]["id"]
    assert pat.json()["personalAccessToken"] not in str(found)
    assert one(found, "session.reuse_detected")["userId"] == bob["user"]["id"]
    updated = one(found, "admin.user_updated")
    assert updated["actor"] == "admin-secret" and updated["data"]["fields"] == ["email"]


async def test_filters_and_paging(make_client):
    client = await make_client(admin_secret=SECRET)
    ada = await session_for(client)
    await session_for(client, "bob@example.com")
    mine = await events(client, user_id=ada["user"]["id"])
    assert mine and {e["userId"] for e in mine} == {ada["user"]["id"]}
    signups = await events(client, event="user.signed_up")
    assert len(signups) == 2
    prefixed = await events(client, event="session.")
    assert prefixed and all(e["event"].startswith("session.") for e in prefixed)
    first = (await client.get("/admin/audit", params={"limit": 1}, headers=ADMIN)).json()
    second = (await client.get("/admin/audit", params={"limit": 1, "offset": 1}, headers=ADMIN)).json()
    assert first["total"] == second["total"] >= 4
    assert first["events"][0]["id"] != second["events"][0]["id"]
    assert first["events"][0]["createdAt"] >= second["events"][0]["createdAt"]  # newest first
    assert (await client.get("/admin/audit", params={"user_id": "x"}, headers=ADMIN)).status_code == 400
    assert len(await events(client, since="2020-01-01T00:00:00", until="2999-01-01")) == first["total"]


async def test_retention_prunes_old_events(make_client):
    client = await make_client(admin_secret=SECRET, audit_retention_days=30)
    now = client.core.clock()
    async with client.core.db.write() as s:
        audit.record(s, "old.event", now - timedelta(days=31), uuid.uuid4())
        audit.record(s, "recent.event", now - timedelta(days=29), uuid.uuid4())
    await client.runtime.run_jobs_once(["old audit events"])
    async with client.core.db.read() as s:
        names = set((await s.scalars(select(AuditEvent.event))).all())
    assert names == {"recent.event"}

    keep = await make_client(admin_secret=SECRET, audit_retention_days=0)
    async with keep.core.db.write() as s:
        audit.record(s, "ancient.event", now - timedelta(days=3650))
    await keep.runtime.run_jobs_once(["old audit events"])
    async with keep.core.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEvent)) == 2


async def test_failed_code_sign_ins_and_refusals_are_recorded(make_client):
    client = await make_client(admin_secret=SECRET)
    created = (await client.post("/admin/users", json={"email": "ada@example.com", "emailVerified": True},
                                 headers=ADMIN)).json()
    wrong = await client.post("/v1/signin/otp/email/verify", json={"email": "ada@example.com", "otp": "000000"},
                              headers=AGENT)
    assert wrong.status_code == 400
    await client.post(f"/admin/users/{created['id']}/disable", headers=ADMIN)
    await client.post("/v1/signin/otp/email", json={"email": "ada@example.com"})
    await client.core.background.drain(grace=10)
    async with client.core.db.read() as s:
        from authward.storage.models import Ticket

        assert (await s.scalars(select(Ticket))).first() is None  # a disabled user gets no code
    found = await events(client, event="user.sign_in_failed")
    assert [(e["userId"], e["data"]["method"], e["data"]["reason"], e["userAgent"]) for e in found] == [
        (created["id"], "email_otp", "invalid-otp", "AuditTest/1.0")]
