"""Yat's POST /auth/magic_link: mails a sign-in link, same answer for unknown addresses."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle  # noqa: F401 - fixtures
from tests.integration.helpers import assert_error, sign_up
from tests.integration.test_email_verification import follow


async def test_magic_link_signs_a_known_user_in(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    uid = (await sign_up(client, "ada@example.com")).json()["session"]["user"]["id"]
    response = await client.post("/auth/magic_link", json={"email": "ADA@example.com",
                                                           "redirect": "https://app.example.com/done"})
    assert response.status_code == 200
    assert response.json()["status"] is True
    await settle(client)
    mail = await mail_sink.wait_for("ada@example.com")
    redirect, params = await follow(client, mail.link())
    assert redirect.headers["location"].startswith("https://app.example.com/done?")
    session = (await client.post("/v1/token", json={"refreshToken": params["refreshToken"]})).json()
    assert session["user"]["id"] == uid


async def test_unknown_address_gets_the_same_answer_and_no_mail(mail_client, mail_sink):
    """With auto sign-up off (Yat's links are for existing users), an unknown address gets no mail."""
    client = await mail_client(email_verification_required=False, disable_auto_signup=True)
    await sign_up(client, "ada@example.com")
    known = await client.post("/auth/magic_link", json={"email": "ada@example.com"})
    unknown = await client.post("/auth/magic_link", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    await settle(client)
    await mail_sink.wait_for("ada@example.com")
    assert not mail_sink.to("nobody@example.com")


async def test_bad_input(mail_client):
    client = await mail_client()
    assert_error(await client.post("/auth/magic_link", json={}), 400, "invalid-request")
    assert_error(await client.post("/auth/magic_link", json={"email": "not-an-email"}), 400, "invalid-request")
    assert_error(await client.post("/auth/magic_link", json={"email": "a@example.com", "redirect": "https://evil.example.net"}),
                 400, "redirectTo-not-allowed")
