"""POST /user/email/change: the change happens only when the new address confirms, on both databases."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

from sqlalchemy import select

from authward.storage.models import User
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, assert_error, sign_up
from tests.integration.test_email_verification import follow


async def bearer(client, email: str) -> dict[str, str]:
    response = await sign_up(client, email)
    return {"authorization": f"Bearer {response.json()['session']['accessToken']}"}


async def user_row(client, email: str) -> User | None:
    async with client.core.db.read() as s:
        return (await s.scalars(select(User).where(User.email == email))).first()


async def test_the_new_address_confirms_the_change(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    auth = await bearer(client, "ada@example.com")
    response = await client.post("/v1/user/email/change", headers=auth,
                                 json={"newEmail": "Ada@New.example.com",
                                       "options": {"redirectTo": "https://app.example.com/email"}})
    assert response.status_code == 200 and response.json() == "OK"
    mail = await mail_sink.wait_for("ada@new.example.com")
    assert mail.subject == "Confirm your new email address"
    assert "ada@example.com" in mail.text and "ada@new.example.com" in mail.text
    assert mail_sink.to("ada@example.com") == []
    # nothing changes before the link is followed
    row = await user_row(client, "ada@example.com")
    assert row is not None and row.new_email == "ada@new.example.com"

    redirect, params = await follow(client, mail.link())
    assert params["type"] == "emailConfirmChange"
    assert redirect.headers["location"].startswith("https://app.example.com/email?")
    assert await user_row(client, "ada@example.com") is None
    changed = await user_row(client, "ada@new.example.com")
    assert changed is not None and changed.email_verified and changed.new_email is None
    signin = await client.post("/v1/signin/email-password", json={"email": "ada@new.example.com", "password": PASSWORD})
    assert signin.status_code == 200
    assert_error(await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD}),
                 401, "invalid-email-password")
    _, again = await follow(client, mail.link())
    assert again["error"] == "invalid-ticket"


async def test_a_newer_request_replaces_the_older_link(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    auth = await bearer(client, "ada@example.com")
    await client.post("/v1/user/email/change", headers=auth, json={"newEmail": "first@example.com"})
    first = await mail_sink.wait_for("first@example.com")
    await client.post("/v1/user/email/change", headers=auth, json={"newEmail": "second@example.com"})
    await mail_sink.wait_for("second@example.com")
    _, params = await follow(client, first.link())
    assert params["error"] == "invalid-ticket"
    assert (await user_row(client, "ada@example.com")).new_email == "second@example.com"


async def test_an_address_in_use_is_refused(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    auth = await bearer(client, "ada@example.com")
    await sign_up(client, "bob@example.com")
    for taken in ("bob@example.com", "BOB@example.com", "ada@example.com"):
        assert_error(await client.post("/v1/user/email/change", headers=auth, json={"newEmail": taken}),
                     409, "email-already-in-use")
    await settle(client)
    assert mail_sink.messages == []


async def test_an_address_taken_before_confirmation_is_not_stolen(mail_client, mail_sink):
    from authward.services.users import ProfileOptions, new_user

    client = await mail_client(email_verification_required=False)
    auth = await bearer(client, "ada@example.com")
    await client.post("/v1/user/email/change", headers=auth, json={"newEmail": "carol@example.com"})
    link = (await mail_sink.wait_for("carol@example.com")).link()
    # a pending change reserves the address against sign-up ...
    assert_error(await sign_up(client, "carol@example.com"), 409, "email-already-in-use")
    # ... and if an account got it anyway (an admin), the confirmation does not take it over
    async with client.core.db.write() as s:
        s.add(new_user(client.core.settings, ProfileOptions(), email="carol@example.com"))
    _, params = await follow(client, link)
    assert params["error"] == "email-already-in-use"
    assert (await user_row(client, "ada@example.com")).new_email == "carol@example.com"


async def test_change_requires_a_token_and_valid_input(mail_client):
    client = await mail_client(email_verification_required=False)
    assert_error(await client.post("/v1/user/email/change", json={"newEmail": "x@example.com"}), 401,
                 "unauthenticated-user")
    auth = await bearer(client, "ada@example.com")
    assert_error(await client.post("/v1/user/email/change", headers=auth, json={"newEmail": "not-an-email"}),
                 400, "invalid-request")
    assert_error(await client.post("/v1/user/email/change", headers=auth,
                                   json={"newEmail": "x@example.com", "options": {"redirectTo": "https://evil.com"}}),
                 400, "redirectTo-not-allowed")
    assert (await user_row(client, "ada@example.com")).new_email is None


async def test_change_honours_the_elevation_rule(mail_client):
    client = await mail_client(email_verification_required=False, require_elevated_claim=True)
    session = (await sign_up(client, "ada@example.com")).json()["session"]
    refreshed = (await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})).json()
    assert_error(await client.post("/v1/user/email/change", json={"newEmail": "x@example.com"},
                                   headers={"authorization": f"Bearer {refreshed['accessToken']}"}),
                 401, "elevated-claim-required")
    ok = await client.post("/v1/user/email/change", json={"newEmail": "x@example.com"},
                           headers={"authorization": f"Bearer {session['accessToken']}"})
    assert ok.status_code == 200
