"""Secrets at rest: after every flow that hands out a secret, a dump of every table holds none of them in
plaintext - passwords, refresh and access tokens, PATs, tickets (reset, magic link, verification, email
change, MFA), email and SMS codes, the TOTP secret, recovery codes, an OAuth authorization code, an OAuth
client's secret and its refresh token. Mail goes through a real SMTP sink (a delivered message keeps no
body) and SMS through a stand-in Twilio. On SQLite and PostgreSQL.

Provider (social sign-in) tokens: no flow of this branch stores one yet; `provider_links` holds them
encrypted (`*_encrypted` columns) and the dump covers that table, so the flow that adds them belongs here.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from authward.storage.models import Base
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, sign_up
from tests.integration.test_oauth_provider import REDIRECT, authorize_with_bearer, pkce, register
from tests.receiver import HttpReceiver, running_receiver

PHONE = "+14155552671"
NEW_PASSWORD = "a brand new passphrase 77"


@pytest.fixture
def twilio() -> Iterator[HttpReceiver]:
    with running_receiver() as server:
        yield server


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def dump(client) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every non-null, non-time value of every table."""
    cells = []
    async with client.core.db.read() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, datetime | date):
                        continue  # timestamps cannot hold a secret (and their microseconds look like codes)
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    cells.append((table.name, column.name if hasattr(column, "name") else str(column), text))
    return cells


def leaks(cells: list[tuple[str, str, str]], secrets: dict[str, str]) -> list[str]:
    found = []
    for name, secret in secrets.items():
        pattern = re.compile(rf"(?<![0-9]){re.escape(secret)}(?![0-9])" if secret.isdigit() else re.escape(secret))
        found += [f"{name} in {table}.{column}" for table, column, text in cells if pattern.search(text)]
    return found


async def test_no_secret_is_stored_in_plaintext(mail_client, mail_sink, twilio):
    client = await mail_client(
        email_verification_required=True, sms_passwordless_enabled=True, sms_provider="twilio",
        twilio_account_sid="AC0123456789abcdef0123456789abcdef", twilio_auth_token="twilio-test-auth-token",
        twilio_base_url=twilio.url, twilio_from="+15005550006", refresh_token_reuse_interval=0,
    )
    secrets: dict[str, str] = {"password": PASSWORD, "new password": NEW_PASSWORD}

    # sign-up: a verification ticket by mail; following it signs in (refresh and access tokens)
    assert (await sign_up(client, "ada@example.com")).status_code == 200
    verify_mail = await mail_sink.wait_for("ada@example.com")
    secrets["verification ticket"] = verify_mail.ticket()
    await client.get("/v1/verify", params={"ticket": verify_mail.ticket(), "redirectTo": "https://app.example.com"})
    signed_in = (await client.post("/v1/signin/email-password",
                                   json={"email": "ada@example.com", "password": PASSWORD})).json()["session"]
    secrets["refresh token"] = signed_in["refreshToken"]
    secrets["access token"] = signed_in["accessToken"]
    refreshed = (await client.post("/v1/token", json={"refreshToken": signed_in["refreshToken"]})).json()
    secrets["rotated refresh token"] = refreshed["refreshToken"]
    token = refreshed["accessToken"]  # a refresh keeps auth_time: still recent for the changes below

    # a PAT
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    secrets["PAT"] = (await client.post("/v1/pat", json={"expiresAt": expires},
                                        headers=bearer(token))).json()["personalAccessToken"]

    # TOTP: the secret, the recovery codes, an MFA ticket and a code
    generated = (await client.get("/v1/mfa/totp/generate", headers=bearer(token))).json()
    secrets["TOTP secret"] = generated["totpSecret"]
    for i, code in enumerate(generated["recoveryCodes"]):
        secrets[f"recovery code {i}"] = code
    await client.post("/v1/user/mfa", json={"code": pyotp.TOTP(generated["totpSecret"]).now(),
                                            "activeMfaType": "totp"}, headers=bearer(token))
    challenge = (await client.post("/v1/signin/email-password",
                                   json={"email": "ada@example.com", "password": PASSWORD})).json()["mfa"]
    secrets["MFA ticket"] = challenge["ticket"]

    # a reset ticket, then the password set with it
    await client.post("/v1/user/password/reset", json={"email": "ada@example.com"})
    await settle(client)
    reset = mail_sink.to("ada@example.com")[-1]
    secrets["reset ticket"] = reset.ticket()
    assert (await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD,
                                                         "ticket": reset.ticket()})).status_code == 200

    # a magic link and an email code for other addresses; an email change ticket for bob
    assert (await sign_up(client, "bob@example.com")).status_code == 200
    await settle(client)
    await client.get("/v1/verify", params={"ticket": mail_sink.to("bob@example.com")[-1].ticket(),
                                           "redirectTo": "https://app.example.com"})
    await client.post("/v1/signin/passwordless/email", json={"email": "carol@example.com"})
    await client.post("/v1/signin/otp/email", json={"email": "dan@example.com"})
    await settle(client)
    secrets["magic link ticket"] = mail_sink.to("carol@example.com")[-1].ticket()
    secrets["email code"] = mail_sink.to("dan@example.com")[-1].code()

    # an SMS code
    await client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE})
    secrets["SMS code"] = re.search(r"\b(\d{6})\b", twilio.requests[-1].form()["Body"][0]).group(1)

    # OAuth: a client secret, an authorization code, the client's refresh token
    app = await register(client)
    secrets["client secret"] = app.secret or ""
    fresh = (await client.post("/v1/signin/email-password",
                               json={"email": "bob@example.com", "password": PASSWORD})).json()
    assert fresh["session"], fresh
    await client.post("/v1/user/email/change", json={"newEmail": "bob2@example.com"},
                      headers=bearer(fresh["session"]["accessToken"]))
    secrets["email change ticket"] = (await mail_sink.wait_for("bob2@example.com")).ticket()
    verifier, challenge_value = pkce()
    answer = await authorize_with_bearer(client, app, fresh["session"], code_challenge=challenge_value,
                                         code_challenge_method="S256")
    secrets["authorization code"] = answer["code"]
    tokens = (await client.post("/oauth/token", data={"grant_type": "authorization_code", "code": answer["code"],
                                                      "redirect_uri": REDIRECT, "code_verifier": verifier},
                                auth=(app.client_id, app.secret or ""))).json()
    secrets["OAuth refresh token"] = tokens["refresh_token"]
    secrets["OAuth access token"] = tokens["access_token"]

    await settle(client)
    cells = await dump(client)
    assert len(cells) > 100  # the dump really covers the rows these flows wrote
    assert {table for table, _, _ in cells} >= {"users", "refresh_tokens", "tickets", "credentials",
                                                "personal_access_tokens", "outbox", "oauth_clients"}
    assert all(secrets.values())
    assert leaks(cells, secrets) == []


def test_the_leak_finder_finds_a_planted_secret() -> None:
    cells: list[tuple[str, str, Any]] = [("tickets", "payload", '{"code": "123456"}'), ("users", "x", "abc")]
    assert leaks(cells, {"code": "123456", "other": "zzz"}) == ["code in tickets.payload"]
    assert leaks([("t", "c", "9123456")], {"code": "123456"}) == []  # digits inside a longer number
