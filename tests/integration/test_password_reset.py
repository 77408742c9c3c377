"""Password reset (mail, /verify, ticket) and password change, in-process on both databases."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from authward.storage.models import AuditEvent, Ticket
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, outbox_of, settle  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, assert_error, sign_up
from tests.integration.test_email_verification import follow

NEW_PASSWORD = "a brand new passphrase"


async def signed_up(client, email: str = "ada@example.com") -> dict:
    response = await sign_up(client, email)
    assert response.status_code == 200, response.text
    return response.json()["session"]


async def sign_in(client, email: str, password: str):
    return await client.post("/v1/signin/email-password", json={"email": email, "password": password})


async def reset_mail(client, mail_sink, email: str = "ada@example.com", count: int = 1, **options):
    body = {"email": email, **({"options": options} if options else {})}
    response = await client.post("/v1/user/password/reset", json=body)
    assert response.status_code == 200 and response.json() == "OK"
    return await mail_sink.wait_for(email, count=count)


async def test_reset_link_signs_in_then_the_password_is_changed(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    old = await signed_up(client)
    mail = await reset_mail(client, mail_sink, redirectTo="https://app.example.com/reset")
    assert mail.subject == "Reset your password"
    assert mail.ticket().startswith("passwordReset:")

    redirect, params = await follow(client, mail.link())
    assert redirect.headers["location"].startswith("https://app.example.com/reset?refreshToken=")
    assert params["type"] == "passwordReset"
    session = (await client.post("/v1/token", json={"refreshToken": params["refreshToken"]})).json()

    changed = await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD},
                                headers={"authorization": f"Bearer {session['accessToken']}"})
    assert changed.status_code == 200 and changed.json() == "OK"
    assert_error(await sign_in(client, "ada@example.com", PASSWORD), 401, "invalid-email-password")
    assert (await sign_in(client, "ada@example.com", NEW_PASSWORD)).status_code == 200
    # every session that existed is revoked, including the one used for the change
    for token in (old["refreshToken"], params["refreshToken"]):
        assert_error(await client.post("/v1/token", json={"refreshToken": token}), 401, "invalid-refresh-token")


async def test_reset_with_the_ticket_alone(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await signed_up(client)
    ticket = (await reset_mail(client, mail_sink)).ticket()

    response = await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": ticket})
    assert response.status_code == 200
    assert (await sign_in(client, "ada@example.com", NEW_PASSWORD)).status_code == 200
    # single use
    again = await client.post("/v1/user/password", json={"newPassword": "yet another passphrase", "ticket": ticket})
    assert_error(again, 401, "invalid-ticket")
    async with client.core.db.read() as s:
        events = [e.event for e in (await s.scalars(select(AuditEvent))).all()]
    assert "user.password_changed" in events


async def test_a_password_change_retires_other_reset_links(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await signed_up(client)
    first = (await reset_mail(client, mail_sink)).ticket()
    second = (await reset_mail(client, mail_sink, count=2)).ticket()
    assert first != second
    assert (await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": second})).status_code == 200
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": first}),
                 401, "invalid-ticket")


async def test_expired_wrong_type_and_forged_tickets_are_refused(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "ada@example.com")  # verification required: a verifyEmail ticket is mailed
    verify_ticket = (await mail_sink.wait_for("ada@example.com")).ticket()
    reset_ticket = (await reset_mail(client, mail_sink, count=2)).ticket()

    # another kind of ticket: refused by the spec's pattern
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": verify_ticket}),
                 400, "invalid-request")
    # the secret of another kind re-labelled: the kind is part of what is hashed
    relabelled = "passwordReset:" + verify_ticket.split(":", 1)[1]
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": relabelled}),
                 401, "invalid-ticket")
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD,
                                                              "ticket": "passwordReset:forged"}), 401, "invalid-ticket")
    # expired
    async with client.core.db.write() as s:
        await s.execute(update(Ticket).where(Ticket.kind == "passwordReset")
                        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": reset_ticket}),
                 401, "invalid-ticket")
    # nothing changed: the verify ticket still verifies
    _, params = await follow(client, (await mail_sink.wait_for("ada@example.com")).link())
    assert params["type"] == "verifyEmail"


async def test_password_policy_applies_before_the_ticket_is_used(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await signed_up(client)
    ticket = (await reset_mail(client, mail_sink)).ticket()
    assert_error(await client.post("/v1/user/password", json={"newPassword": "short", "ticket": ticket}),
                 400, "password-too-short")
    # the ticket survived the refused attempt
    assert (await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD, "ticket": ticket})).status_code == 200


async def test_change_needs_a_ticket_or_a_token(mail_client):
    client = await mail_client(email_verification_required=False)
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD}), 401,
                 "unauthenticated-user")
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD},
                                   headers={"authorization": "Bearer nope"}), 401, "unauthenticated-user")


async def test_authenticated_change_honours_the_elevation_rule(mail_client):
    client = await mail_client(email_verification_required=False, require_elevated_claim=True, elevation_max_age=60)
    session = await signed_up(client)
    refreshed = (await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})).json()
    # a refreshed token is not elevated
    assert_error(await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD},
                                   headers={"authorization": f"Bearer {refreshed['accessToken']}"}),
                 401, "elevated-claim-required")
    fresh = (await sign_in(client, "ada@example.com", PASSWORD)).json()["session"]
    ok = await client.post("/v1/user/password", json={"newPassword": NEW_PASSWORD},
                           headers={"authorization": f"Bearer {fresh['accessToken']}"})
    assert ok.status_code == 200


async def test_reset_answers_the_same_for_every_address_and_at_once(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await signed_up(client)
    mail_sink.hold()  # a stuck SMTP server must not show in the answer's timing either
    loop = asyncio.get_running_loop()
    answers, times = [], []
    for email in ("ada@example.com", "nobody@example.com", "ADA@example.com"):
        started = loop.time()
        response = await client.post("/v1/user/password/reset", json={"email": email})
        times.append(loop.time() - started)
        answers.append((response.status_code, response.headers.get("content-type"), response.content))
    assert len(set(answers)) == 1 and answers[0][2] == b'"OK"'
    assert max(times) < 1.0, times  # answered before any lookup or delivery
    mail_sink.release()
    await settle(client)
    assert len(mail_sink.to("ada@example.com")) == 2
    assert mail_sink.to("nobody@example.com") == []
    assert [r.recipient for r in await outbox_of(client)] == ["ada@example.com", "ada@example.com"]


async def test_disabled_users_get_no_reset_mail(mail_client, mail_sink):
    from authward.storage.models import User

    client = await mail_client(email_verification_required=False)
    await signed_up(client)
    async with client.core.db.write() as s:
        await s.execute(update(User).values(disabled=True))
    assert (await client.post("/v1/user/password/reset", json={"email": "ada@example.com"})).status_code == 200
    await settle(client)
    assert mail_sink.to("ada@example.com") == []


async def test_reset_input_is_validated(mail_client):
    client = await mail_client()
    assert_error(await client.post("/v1/user/password/reset", json={"email": "nope"}), 400, "invalid-request")
    assert_error(await client.post("/v1/user/password/reset",
                                   json={"email": "a@example.com", "options": {"redirectTo": "https://evil.com"}}),
                 400, "redirectTo-not-allowed")
    assert_error(await client.post("/v1/user/password/reset", json={}), 400, "invalid-request")
