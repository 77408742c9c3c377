"""The admin API: who may call it, users (create, list, show, change, disable, delete), sessions, MFA,
signing keys, OAuth clients."""

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
from tests.integration.helpers import PASSWORD, assert_error, session_for

SECRET = "admin-secret-for-tests-0123456789"
ADMIN = {"x-authward-admin-secret": SECRET}
ROLES = {"admin_secret": SECRET}


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def bearer(session: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


async def admin_client(make_client, **overrides):
    return await make_client(**{**ROLES, **overrides})


async def create(client, **body):
    body.setdefault("email", "grace@example.com")
    response = await client.post("/admin/users", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def sign_in(client, email="grace@example.com", password=PASSWORD):
    return await client.post("/v1/signin/email-password", json={"email": email, "password": password})


async def test_refusals_without_the_secret_with_a_wrong_one_and_with_a_non_admin_token(make_client):
    client = await admin_client(make_client)
    user = await session_for(client)
    for method, path in [("GET", "/admin/users"), ("POST", "/admin/users"), ("GET", "/admin/audit"),
                         ("GET", "/admin/keys"), ("POST", "/admin/keys/rotate"), ("GET", "/admin/clients"),
                         ("POST", f"/admin/users/{user['user']['id']}/disable"),
                         ("DELETE", f"/admin/users/{user['user']['id']}")]:
        body = {"email": "x@example.com"} if method == "POST" else None
        assert_error(await client.request(method, path, json=body), 401, "unauthenticated-user")
        wrong = {"x-authward-admin-secret": SECRET[:-1] + "X"}
        assert_error(await client.request(method, path, json=body, headers=wrong), 401, "unauthenticated-user")
        assert_error(await client.request(method, path, json=body, headers=bearer(user)), 403, "forbidden")
    # nothing happened: the user is still enabled and there
    async with client.core.db.read() as s:
        row = await s.get(User, uuid.UUID(user["user"]["id"]))
        assert row is not None and not row.disabled
        assert (await s.scalar(select(func.count()).select_from(User))) == 1


async def test_without_a_configured_secret_no_secret_opens_it(make_client):
    client = await make_client()  # AUTHWARD_ADMIN_SECRET unset
    for value in ["", "anything"]:
        assert_error(await client.get("/admin/users", headers={"x-authward-admin-secret": value}), 401,
                     "unauthenticated-user")


async def test_an_admin_token_is_accepted_and_named_as_the_actor(make_client):
    client = await admin_client(make_client)
    admin = await create(client, email="root@example.com", password=PASSWORD, emailVerified=True,
                         roles=["user", "admin"])
    signed_in = await sign_in(client, "root@example.com")
    token = signed_in.json()["session"]
    created = await client.post("/admin/users", json={"email": "bob@example.com"}, headers=bearer(token))
    assert created.status_code == 200, created.text
    async with client.core.db.read() as s:
        row = (await s.scalars(select(AuditEvent).where(AuditEvent.event == "admin.user_created",
                                                         AuditEvent.user_id == uuid.UUID(created.json()["id"])))).one()
    assert row.actor == f"user:{admin['id']}"
    # a disabled admin's token opens nothing
    await client.post(f"/admin/users/{admin['id']}/disable", headers=ADMIN)
    assert_error(await client.get("/admin/users", headers=bearer(token)), 401, "disabled-user")
    await client.post(f"/admin/users/{admin['id']}/enable", headers=ADMIN)
    # the role taken away: the token (which still says admin) no longer opens the API
    changed = await client.patch(f"/admin/users/{admin['id']}", json={"roles": ["user"]}, headers=ADMIN)
    assert changed.status_code == 200, changed.text
    assert_error(await client.get("/admin/users", headers=bearer(token)), 403, "forbidden")


async def test_create_list_show_update(make_client):
    client = await admin_client(make_client)
    user = await create(client, email="Grace@Example.com", password=PASSWORD, emailVerified=True,
                        roles=["user", "me"], defaultRole="me", metadata={"plan": "pro"})
    assert user["email"] == "grace@example.com"
    assert user["emailVerified"] is True and user["defaultRole"] == "me" and user["metadata"] == {"plan": "pro"}
    assert user["disabled"] is False
    # the same shape as GET /user, plus the admin's fields
    session = (await sign_in(client)).json()["session"]
    own = (await client.get("/v1/user", headers=bearer(session))).json()
    shown = (await client.get(f"/admin/users/{user['id']}", headers=ADMIN)).json()
    assert {k: v for k, v in shown.items() if k not in ("disabled", "updatedAt", "lastSeen")} == own

    no_password = await create(client, email="ada@example.com")
    assert no_password["emailVerified"] is False
    assert_error(await client.post("/admin/users", json={"email": "ada@example.com"}, headers=ADMIN), 409,
                 "email-already-in-use")
    assert_error(await client.post("/admin/users", json={"email": "x@example.com", "roles": ["root"]}, headers=ADMIN),
                 400, "role-not-allowed")
    assert_error(await client.post("/admin/users", json={"email": "not an email"}, headers=ADMIN), 400,
                 "invalid-request")
    assert_error(await client.post("/admin/users", json={"email": "y@example.com", "password": "short"},
                                   headers=ADMIN), 400, "password-too-short")

    listed = (await client.get("/admin/users", params={"email": "GRACE@example.com"}, headers=ADMIN)).json()
    assert listed["total"] == 1 and [u["id"] for u in listed["users"]] == [user["id"]]
    page = (await client.get("/admin/users", params={"limit": 1, "offset": 1}, headers=ADMIN)).json()
    assert page["total"] == 2 and [u["id"] for u in page["users"]] == [no_password["id"]]
    by_role = (await client.get("/admin/users", params={"role": "me"}, headers=ADMIN)).json()
    assert {u["id"] for u in by_role["users"]} == {user["id"], no_password["id"]}  # "me" is a default allowed role
    assert (await client.get("/admin/users", params={"role": "admin"}, headers=ADMIN)).json()["total"] == 0
    assert (await client.get("/admin/users", params={"id": user["id"]}, headers=ADMIN)).json()["total"] == 1
    assert (await client.get("/admin/users", params={"created_after": "2999-01-01T00:00:00Z"},
                             headers=ADMIN)).json()["total"] == 0
    # a date without a zone is read as UTC (not a 500)
    assert (await client.get("/admin/users", params={"created_after": "2020-01-01", "created_before": "2999-01-01"},
                             headers=ADMIN)).json()["total"] == 2

    changed = await client.patch(f"/admin/users/{user['id']}", headers=ADMIN, json={
        "displayName": "Grace H", "locale": "fr", "roles": ["user", "admin"], "defaultRole": "user",
        "metadata": {"plan": "free"}, "phoneNumber": "+14155552671", "emailVerified": False})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["displayName"] == "Grace H" and body["locale"] == "fr" and body["metadata"] == {"plan": "free"}
    assert set(body["roles"]) == {"user", "admin"} and body["phoneNumber"] == "+14155552671"
    assert (await client.get("/admin/users", params={"role": "admin"}, headers=ADMIN)).json()["total"] == 1
    assert (await client.get("/admin/users", params={"phone": "+14155552671"}, headers=ADMIN)).json()["total"] == 1
    assert_error(await client.patch(f"/admin/users/{user['id']}", json={"locale": "xx"}, headers=ADMIN), 400,
                 "locale-not-allowed")
    assert_error(await client.patch(f"/admin/users/{user['id']}", json={"email": "ada@example.com"}, headers=ADMIN),
                 409, "email-already-in-use")
    assert_error(await client.get(f"/admin/users/{uuid.uuid4()}", headers=ADMIN), 404, "not-found")
    assert_error(await client.get("/admin/users/not-a-uuid", headers=ADMIN), 404, "not-found")
    assert_error(await client.patch(f"/admin/users/{user['id']}", json={"nope": 1}, headers=ADMIN), 400,
                 "invalid-request")


async def test_disable_revokes_sessions_and_pats_at_once(make_client):
    client = await admin_client(make_client)
    session = await session_for(client)
    user_id = session["user"]["id"]
    pat = await client.post("/v1/pat", json={"expiresAt": in_days(30)}, headers=bearer(session))
    assert pat.status_code == 200, pat.text
    other = (await sign_in(client, "ada@example.com")).json()["session"]

    disabled = await client.post(f"/admin/users/{user_id}/disable", headers=ADMIN)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True
    async with client.core.db.read() as s:
        statuses = set((await s.scalars(select(RefreshToken.status))).all())
        pats = (await s.scalars(select(PersonalAccessToken))).all()
        event = (await s.scalars(select(AuditEvent).where(AuditEvent.event == "admin.user_disabled"))).one()
    assert statuses == {"revoked"}
    assert all(p.revoked_at is not None for p in pats)
    assert event.actor == "admin-secret" and event.data["sessions_revoked"] == 2 and event.data["pats_revoked"] == 1

    # disabled-user on sign-in, refresh, and with the old access token
    assert_error(await sign_in(client, "ada@example.com"), 401, "disabled-user")
    assert_error(await client.post("/v1/token", json={"refreshToken": other["refreshToken"]}), 401, "disabled-user")
    assert_error(await client.get("/v1/user", headers=bearer(other)), 401, "disabled-user")
    assert_error(await client.post("/v1/signin/pat", json={"personalAccessToken": pat.json()["personalAccessToken"]}),
                 401, "disabled-user")

    enabled = await client.post(f"/admin/users/{user_id}/enable", headers=ADMIN)
    assert enabled.json()["disabled"] is False
    assert (await sign_in(client, "ada@example.com")).status_code == 200
    # the old sessions stay revoked
    assert_error(await client.post("/v1/token", json={"refreshToken": other["refreshToken"]}), 401,
                 "invalid-refresh-token")
    assert_error(await client.post("/v1/signin/pat", json={"personalAccessToken": pat.json()["personalAccessToken"]}),
                 401, "invalid-pat")


async def test_delete_cascades(make_client):
    client = await admin_client(make_client)
    session = await session_for(client)
    uid = uuid.UUID(session["user"]["id"])
    await client.post("/v1/pat", json={"expiresAt": in_days(30)}, headers=bearer(session))
    await client.post("/v1/user/password/reset", json={"email": "ada@example.com"})
    await client.core.background.drain(grace=10)
    async with client.core.db.write() as s:
        s.add(ProviderLink(user_id=uid, provider="github", provider_user_id="42", created_at=client.core.clock(),
                           updated_at=client.core.clock()))
        s.add(Credential(user_id=uid, type="totp", data={}, created_at=client.core.clock()))
    deleted = await client.delete(f"/admin/users/{uid}", headers=ADMIN)
    assert deleted.status_code == 200, deleted.text
    async with client.core.db.read() as s:
        for model in (User, RefreshToken, PersonalAccessToken, ProviderLink, Credential):
            assert (await s.scalar(select(func.count()).select_from(model))) == 0, model
        assert (await s.scalar(select(func.count()).select_from(Ticket).where(Ticket.user_id == uid))) == 0
        event = (await s.scalars(select(AuditEvent).where(AuditEvent.event == "admin.user_deleted"))).one()
    assert event.user_id == uid and event.data["email"] == "ada@example.com"
    assert_error(await client.delete(f"/admin/users/{uid}", headers=ADMIN), 404, "not-found")
    assert_error(await client.get("/v1/user", headers=bearer(session)), 401, "unauthenticated-user")
    # the stateless check, which reads no user row, refuses the deleted user's token too
    assert_error(await client.post("/v1/token/verify", json={"token": session["accessToken"]}), 401,
                 "unauthenticated-user")


async def test_sessions_revoke_and_remove_mfa(make_client):
    client = await admin_client(make_client)
    first = await session_for(client)
    uid = first["user"]["id"]
    await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD},
                      headers={"user-agent": "Firefox/130"})
    listed = (await client.get(f"/admin/users/{uid}/sessions", headers=ADMIN)).json()["sessions"]
    assert len(listed) == 2
    assert "Firefox/130" in {s["userAgent"] for s in listed}
    assert all(s["createdAt"] and s["lastUsedAt"] and s["amr"] == ["pwd"] for s in listed)

    revoked = await client.post(f"/admin/users/{uid}/revoke-sessions", headers=ADMIN)
    assert revoked.json() == {"revoked": 2}
    assert (await client.get(f"/admin/users/{uid}/sessions", headers=ADMIN)).json() == {"sessions": []}
    assert_error(await client.post("/v1/token", json={"refreshToken": first["refreshToken"]}), 401,
                 "invalid-refresh-token")

    async with client.core.db.write() as s:
        s.add(Credential(user_id=uuid.UUID(uid), type="totp", data={}, created_at=client.core.clock()))
        s.add(Credential(user_id=uuid.UUID(uid), type="recovery_code", identifier="x", data={},
                         created_at=client.core.clock()))
        (await s.get(User, uuid.UUID(uid))).active_mfa_type = "totp"
    removed = await client.delete(f"/admin/users/{uid}/mfa", headers=ADMIN)
    assert removed.json() == {"removed": True}
    async with client.core.db.read() as s:
        assert (await s.get(User, uuid.UUID(uid))).active_mfa_type is None
        assert (await s.scalar(select(func.count()).select_from(Credential))) == 0
    assert (await sign_in(client, "ada@example.com")).json()["mfa"] is None
    assert (await client.delete(f"/admin/users/{uid}/mfa", headers=ADMIN)).json() == {"removed": False}


async def test_keys_and_clients(make_client):
    client = await admin_client(make_client)
    keys = (await client.get("/admin/keys", headers=ADMIN)).json()["keys"]
    assert len(keys) == 1 and keys[0]["signing"] is True
    rotated = (await client.post("/admin/keys/rotate", headers=ADMIN)).json()
    keys = (await client.get("/admin/keys", headers=ADMIN)).json()["keys"]
    assert {k["kid"] for k in keys if k["signing"]} == {rotated["kid"]} and len(keys) == 2
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert rotated["kid"] in {k["kid"] for k in jwks["keys"]}

    created = await client.post("/admin/clients", headers=ADMIN, json={
        "name": "Dashboard", "redirect_uris": ["https://app.example.com/callback"]})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["client_secret"] and body["client"]["client_id"].startswith("aw_")
    listed = (await client.get("/admin/clients", headers=ADMIN)).json()["clients"]
    assert [c["client_id"] for c in listed] == [body["client"]["client_id"]]
    assert body["client_secret"] not in str(listed)
    assert_error(await client.post("/admin/clients", headers=ADMIN, json={"name": "x", "grant_types": ["nope"]}),
                 400, "invalid-request")
    assert (await client.delete(f"/admin/clients/{body['client']['client_id']}", headers=ADMIN)).json() == \
        {"deleted": True}
    assert_error(await client.delete(f"/admin/clients/{body['client']['client_id']}", headers=ADMIN), 404,
                 "not-found")
    async with client.core.db.read() as s:
        events = set((await s.scalars(select(AuditEvent.event).where(AuditEvent.event.startswith("admin.")))).all())
    assert {"admin.signing_key_rotated", "admin.client_created", "admin.client_deleted"} <= events
