"""Notification mails after security-relevant changes (ASVS 6.3.7), through the real SMTP sink, on both databases.

Each change mails the account (an email change: the old address); each kind can be turned off; a notice
carries no link and no secret.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp

from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle  # noqa: F401 - fixtures
from tests.integration.helpers import session_for, sign_up
from tests.integration.test_email_verification import follow
from tests.webauthn_authenticator import SoftAuthenticator

NEW_PASSWORD = "another long passphrase 42"
ORIGIN = "https://app.example.com"
WEBAUTHN = {"webauthn_enabled": True, "webauthn_rp_id": "example.com", "webauthn_rp_name": "Example",
            "webauthn_rp_origins": [ORIGIN]}


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


async def notices(client, mail_sink, to: str = "ada@example.com") -> list[str]:
    await settle(client)
    return [m.subject for m in mail_sink.to(to)]


async def test_password_change_mails_the_account(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    session = await session_for(client)
    changed = await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD}, headers=bearer(session))
    assert changed.status_code == 200, changed.text
    mail = await mail_sink.wait_for("ada@example.com")
    assert mail.subject == "Your password was changed"
    assert "ada@example.com" in mail.text and NEW_PASSWORD not in mail.text and "http" in mail.text
    assert "ticket" not in mail.text


async def test_password_reset_mails_a_notice_after_the_reset(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await session_for(client)
    await client.post("/v1/user/password/reset", json={"email": "ada@example.com"})
    reset_mail = await mail_sink.wait_for("ada@example.com")
    ticket = reset_mail.link().split("ticket=")[1].split("&")[0]
    done = await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": ticket})
    assert done.status_code == 200, done.text
    assert await notices(client, mail_sink) == ["Reset your password", "Your password was reset"]


async def test_email_change_mails_the_old_address(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    session = await session_for(client)
    await client.post("/v1/user/email/change", headers=bearer(session), json={"newEmail": "ada@new.example.com"})
    link = (await mail_sink.wait_for("ada@new.example.com")).link()
    await follow(client, link)
    notice = await mail_sink.wait_for("ada@example.com")
    assert notice.subject == "Your email address was changed"
    assert "ada@example.com" in notice.text and "ada@new.example.com" in notice.text
    assert [m.subject for m in mail_sink.to("ada@new.example.com")] == ["Confirm your new email address"]


async def test_mfa_on_and_off_and_a_pat_mail_the_account_in_its_locale(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    session = await session_for(client, "ada@example.com")
    secret = (await client.get("/v1/mfa/totp/generate", headers=bearer(session))).json()["totpSecret"]
    on = await client.post("/v1/user/mfa", json={"code": pyotp.TOTP(secret).now(), "activeMfaType": "totp"},
                           headers=bearer(session))
    assert on.status_code == 200, on.text
    await mail_sink.wait_for("ada@example.com")
    code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))  # the next step: a code is used once
    off = await client.post("/v1/user/mfa", json={"code": code, "activeMfaType": ""}, headers=bearer(session))
    assert off.status_code == 200, off.text
    await mail_sink.wait_for("ada@example.com", count=2)
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    pat = await client.post("/v1/pat", json={"expiresAt": expires}, headers=bearer(session))
    assert pat.status_code == 200, pat.text
    await mail_sink.wait_for("ada@example.com", count=3)
    assert await notices(client, mail_sink) == ["Two-factor authentication turned on",
                                                "Two-factor authentication turned off",
                                                "A personal access token was created"]
    assert pat.json()["personalAccessToken"] not in mail_sink.to("ada@example.com")[2].text
    # French for a French account
    fr = (await sign_up(client, "zoe@example.com", locale="fr")).json()["session"]
    await client.post("/v1/pat", json={"expiresAt": expires}, headers=bearer(fr))
    assert (await mail_sink.wait_for("zoe@example.com")).subject == "Un jeton d'accès personnel a été créé"


async def test_a_passkey_added_mails_the_account(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False, **WEBAUTHN)
    session = await session_for(client)
    options = (await client.post("/v1/user/webauthn/add", headers=bearer(session))).json()
    added = await client.post("/v1/user/webauthn/verify", headers=bearer(session),
                              json={"credential": SoftAuthenticator(ORIGIN).create(options)})
    assert added.status_code == 200, added.text
    assert (await mail_sink.wait_for("ada@example.com")).subject == "A passkey was added to your account"


async def test_each_notice_can_be_turned_off(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False, notify_password_changed=False,
                               notify_pat_created=False)
    session = await session_for(client)
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (await client.post("/v1/pat", json={"expiresAt": expires}, headers=bearer(session))).status_code == 200
    changed = await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD}, headers=bearer(session))
    assert changed.status_code == 200
    assert await notices(client, mail_sink) == []
    # the switches are per kind: an email change still mails the old address
    session = (await client.post("/v1/signin/email-password",
                                 json={"email": "ada@example.com", "password": NEW_PASSWORD})).json()["session"]
    await client.post("/v1/user/email/change", headers=bearer(session), json={"newEmail": "ada@new.example.com"})
    await follow(client, (await mail_sink.wait_for("ada@new.example.com")).link())
    assert await notices(client, mail_sink) == ["Your email address was changed"]


async def test_a_failed_change_mails_nothing(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    session = await session_for(client)
    refused = await client.post("/v1/user/password", json={"newPassword": "short"}, headers=bearer(session))
    assert refused.status_code == 400
    assert (await client.post("/v1/user/mfa", json={"code": "000000", "activeMfaType": "totp"},
                              headers=bearer(session))).status_code >= 400
    assert await notices(client, mail_sink) == []
