"""Invitations end to end through the SMTP sink (admin API -> mail -> hosted page -> sign-in), and
AUTHWARD_DISABLE_AUTO_SIGNUP: sign-ins by link or code create nobody and answer unknown addresses alike."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from authward.storage.models import AuditEvent, User
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, assert_error
from tests.integration.test_pages import alert_of, hidden_fields, path_of, submit

SECRET = "admin-secret-for-tests-0123456789"
ADMIN = {"x-authward-admin-secret": SECRET}
INVITE_LINK = re.compile(r"http://127\.0\.0\.1:4000/invite\?ticket=\S+")


def invite_link(text: str) -> str:
    found = INVITE_LINK.search(text)
    assert found, text
    return found.group(0)


async def test_invite_end_to_end(mail_client, mail_sink):
    client = await mail_client(admin_secret=SECRET)
    invited = await client.post("/admin/users/invite", headers=ADMIN,
                                json={"email": "Grace@Example.com", "displayName": "Grace", "roles": ["user"]})
    assert invited.status_code == 200, invited.text
    user = invited.json()
    assert user["email"] == "grace@example.com" and user["emailVerified"] is False and user["roles"] == ["user"]
    mail = await mail_sink.wait_for("grace@example.com")
    assert mail.subject.startswith("You are invited")
    link = invite_link(mail.text)
    ticket = parse_qs(urlsplit(link).query)["ticket"][0]
    assert ticket.startswith("invite:")
    # no password yet: nobody signs in
    assert_error(await client.post("/v1/signin/email-password", json={"email": "grace@example.com",
                                                                       "password": PASSWORD}), 401,
                 "invalid-email-password")

    page = await client.get(path_of(link))
    assert page.status_code == 200 and "grace@example.com" in page.text
    assert "ticket" in hidden_fields(page, "/invite")
    differ = await submit(client, page, "/invite", password=PASSWORD, password_confirm=PASSWORD + "x")
    assert differ.status_code == 400 and alert_of(differ)
    short = await submit(client, page, "/invite", password="short", password_confirm="short")
    assert short.status_code == 400
    done = await submit(client, page, "/invite", password=PASSWORD, password_confirm=PASSWORD)
    assert done.status_code == 200, done.text
    assert "Your account is ready" in done.text

    signed_in = await client.post("/v1/signin/email-password", json={"email": "grace@example.com",
                                                                      "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["session"]["user"]["emailVerified"] is True
    # the link works once
    again = await client.get(path_of(link))
    assert again.status_code == 400 and "expired" in again.text
    replay = await client.post("/invite", data={**hidden_fields(page, "/invite"), "password": "x" * 20,
                                                "password_confirm": "x" * 20})
    assert replay.status_code == 400
    async with client.core.db.read() as s:
        events = {e.event: e for e in (await s.scalars(select(AuditEvent))).all()}
    assert events["admin.user_invited"].actor == "admin-secret"
    assert "user.invitation_accepted" in events


async def test_inviting_again_and_refusals(mail_client, mail_sink):
    client = await mail_client(admin_secret=SECRET)
    assert (await client.post("/admin/users/invite", json={"email": "ada@example.com"}, headers=ADMIN)).status_code \
        == 200
    first = invite_link((await mail_sink.wait_for("ada@example.com")).text)
    # a pending invitee is invited again: a new link, the older one stops working
    assert (await client.post("/admin/users/invite", json={"email": "ada@example.com"}, headers=ADMIN)).status_code \
        == 200
    await mail_sink.wait_for("ada@example.com", count=2)
    second = invite_link(mail_sink.to("ada@example.com")[-1].text)
    assert first != second
    assert (await client.get(path_of(first))).status_code == 400
    assert (await client.get(path_of(second))).status_code == 200
    async with client.core.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 1
    # an account in use cannot be invited; no secret, no invitation
    await client.post("/v1/signup/email-password", json={"email": "bob@example.com", "password": PASSWORD})
    assert_error(await client.post("/admin/users/invite", json={"email": "bob@example.com"}, headers=ADMIN), 409,
                 "email-already-in-use")
    assert_error(await client.post("/admin/users/invite", json={"email": "eve@example.com"}), 401,
                 "unauthenticated-user")
    assert (await client.get("/invite?ticket=invite:forged")).status_code == 400
    await settle(client)
    assert mail_sink.to("eve@example.com") == []


async def test_admin_password_reset_mail(mail_client, mail_sink):
    client = await mail_client(admin_secret=SECRET, email_verification_required=False)
    created = (await client.post("/admin/users", json={"email": "ada@example.com", "password": PASSWORD},
                                 headers=ADMIN)).json()
    sent = await client.post(f"/admin/users/{created['id']}/password-reset", headers=ADMIN,
                             json={"redirectTo": "https://app.example.com/reset"})
    assert sent.status_code == 200, sent.text
    mail = await mail_sink.wait_for("ada@example.com")
    assert mail.ticket().startswith("passwordReset:")
    changed = await client.post("/v1/user/password", json={"newPassword": "a brand new passphrase",
                                                           "ticket": mail.ticket()})
    assert changed.status_code == 200, changed.text


async def test_no_auto_signup_answers_unknown_addresses_alike(mail_client, mail_sink):
    client = await mail_client(admin_secret=SECRET, disable_auto_signup=True, email_verification_required=False)
    await client.post("/admin/users", json={"email": "known@example.com", "emailVerified": True}, headers=ADMIN)
    for path in ("/v1/signin/passwordless/email", "/v1/signin/otp/email"):
        known = await client.post(path, json={"email": "known@example.com"})
        unknown = await client.post(path, json={"email": "unknown@example.com"})
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (200, "OK")
    await settle(client)
    assert len(mail_sink.to("known@example.com")) == 2
    assert mail_sink.to("unknown@example.com") == []
    async with client.core.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 1
