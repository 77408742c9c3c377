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


async def test_a_pending_change_blocks_nobody(mail_client, mail_sink):
    """Asking to change to an address reserves nothing: its owner signs up, another account may ask for it too,
    and the first confirmation wins; the loser's link then answers email-already-in-use."""
    client = await mail_client(email_verification_required=False)
    auth = await bearer(client, "ada@example.com")
    await client.post("/v1/user/email/change", headers=auth, json={"newEmail": "carol@example.com"})
    ada_link = (await mail_sink.wait_for("carol@example.com")).link()
    other = await bearer(client, "dan@example.com")
    assert (await client.post("/v1/user/email/change", headers=other,
                              json={"newEmail": "carol@example.com"})).status_code == 200
    await settle(client)
    # the address's owner signs up meanwhile: the pending changes did not reserve it
    assert (await sign_up(client, "carol@example.com")).status_code == 200
    _, params = await follow(client, ada_link)
    assert params["error"] == "email-already-in-use"
    assert (await user_row(client, "ada@example.com")) is not None
    assert (await user_row(client, "carol@example.com")).display_name == "carol@example.com"


async def test_an_expired_change_reserves_nothing(mail_client, mail_sink):
    from datetime import timedelta

    from authward.storage.models import Ticket

    client = await mail_client(email_verification_required=False)
    auth = await bearer(client, "ada@example.com")
    await client.post("/v1/user/email/change", headers=auth, json={"newEmail": "erin@example.com"})
    link = (await mail_sink.wait_for("erin@example.com")).link()
    async with client.core.db.write() as s:
        for ticket in (await s.scalars(select(Ticket).where(Ticket.kind == "emailConfirmChange"))).all():
            ticket.expires_at -= timedelta(days=2)
    _, params = await follow(client, link)
    assert params["error"] == "invalid-ticket"
    assert (await user_row(client, "ada@example.com")) is not None
    assert (await sign_up(client, "erin@example.com")).status_code == 200


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
