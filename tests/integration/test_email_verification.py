"""Sign-up verification mail, GET /verify, and the resend route: in-process, real SMTP sink, both databases."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select, update

from authward.storage.models import OutboxMessage, Ticket, User
from tests.integration.conftest_mail import (  # noqa: F401 - fixtures
    CLIENT_URL,
    mail_client,
    mail_server,
    mail_sink,
    outbox_of,
    settle,
    tickets_of,
)
from tests.integration.helpers import PASSWORD, assert_error, sign_up


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def follow(client, link: str):
    """GET the link as a browser would, without following the redirect to the app."""
    parts = urlsplit(link)
    response = await client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
    assert response.status_code == 302, response.text
    return response, query_of(response.headers["location"])


async def test_sign_up_mails_a_link_that_verifies_and_signs_in(mail_client, mail_sink):
    client = await mail_client()
    response = await sign_up(client, "ada@example.com", redirectTo="https://app.example.com/welcome?from=mail")
    assert response.status_code == 200
    assert response.json() == {"session": None}
    signin = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert_error(signin, 401, "unverified-user")

    mail = await mail_sink.wait_for("ada@example.com")
    assert mail.subject == "Verify your email address"
    assert mail.html is not None and "Verify my email" in mail.html
    assert mail.message["From"] == "authward <auth@example.com>"
    link = mail.link()
    assert link.startswith("http://127.0.0.1:4000/verify?")
    assert query_of(link)["type"] == "emailVerify"
    assert query_of(link)["ticket"].startswith("verifyEmail:")

    redirect, params = await follow(client, link)
    location = redirect.headers["location"]
    assert location.startswith("https://app.example.com/welcome?from=mail&")
    assert params["type"] == "verifyEmail"
    assert redirect.headers["cache-control"] == "no-store"
    refreshed = await client.post("/v1/token", json={"refreshToken": params["refreshToken"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["user"]["emailVerified"] is True

    signin = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert signin.status_code == 200

    # single use: the same link again is refused, on the redirect
    _, again = await follow(client, link)
    assert again["error"] == "invalid-ticket"
    assert "refreshToken" not in again

    # the outbox kept the envelope, not the live link
    [row] = await outbox_of(client)
    assert row.status == "sent" and row.attempts == 1 and row.body_text == "" and row.sent_at is not None


async def test_verification_mail_uses_the_users_locale(mail_client, mail_sink):
    client = await mail_client()
    assert (await sign_up(client, "zoe@example.com", locale="fr", displayName="Zoé")).status_code == 200
    mail = await mail_sink.wait_for("zoe@example.com")
    assert mail.subject == "Vérifiez votre adresse e-mail"
    assert "Bonjour Zoé" in mail.text
    assert "30 jours" in mail.text


async def test_verification_not_required_gives_a_session_and_no_mail(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    response = await sign_up(client, "bob@example.com")
    assert response.json()["session"] is not None
    await settle(client)
    assert mail_sink.to("bob@example.com") == []
    assert await outbox_of(client) == []


async def test_sign_up_with_a_foreign_redirect_writes_nothing(mail_client, mail_sink):
    client = await mail_client()
    response = await sign_up(client, "eve@example.com", redirectTo="https://app.example.com.evil.com/")
    assert_error(response, 400, "redirectTo-not-allowed")
    async with client.core.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 0
    assert await tickets_of(client) == [] and await outbox_of(client) == []


async def test_verify_refuses_a_foreign_redirect_without_touching_the_ticket(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "ada@example.com")
    ticket = (await mail_sink.wait_for("ada@example.com")).ticket()
    for evil in ("https://evil.com/", "https://app.example.com@evil.com/", "javascript:alert(1)",
                 "http://app.example.com/", "https://app.example.com%2F@evil.com", "//evil.com"):
        response = await client.get("/verify", params={"ticket": ticket, "type": "emailVerify", "redirectTo": evil},
                                    follow_redirects=False)
        assert response.status_code == 302
        location = response.headers["location"]
        assert location.startswith(CLIENT_URL + "?"), location
        assert query_of(location)["error"] == "redirectTo-not-allowed"
    # still usable with an allowed redirect (a wildcard entry)
    response = await client.get("/v1/verify", params={"ticket": ticket, "redirectTo": "https://pr-7.preview.example.com/x"},
                                follow_redirects=False)
    assert response.headers["location"].startswith("https://pr-7.preview.example.com/x?refreshToken=")


async def test_verify_answers_bad_input_and_bad_tickets(mail_client):
    client = await mail_client()
    assert_error(await client.get("/verify", params={"redirectTo": CLIENT_URL}), 400, "invalid-request")
    for ticket in ("nope", "verifyEmail:forged", "mfaTotp:" + "a" * 36, "otpEmail:123456", "x" * 5000):
        response = await client.get("/verify", params={"ticket": ticket, "redirectTo": CLIENT_URL},
                                    follow_redirects=False)
        assert response.status_code == 302
        params = query_of(response.headers["location"])
        assert params == {"error": "invalid-ticket", "errorDescription": "Invalid ticket"}


async def test_expired_verification_ticket_is_refused(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "ada@example.com")
    link = (await mail_sink.wait_for("ada@example.com")).link()
    async with client.core.db.write() as s:
        await s.execute(update(Ticket).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    _, params = await follow(client, link)
    assert params["error"] == "invalid-ticket"
    async with client.core.db.read() as s:
        assert (await s.scalars(select(User))).one().email_verified is False


async def test_concurrent_redemptions_of_one_ticket_give_one_session(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "ada@example.com")
    link = (await mail_sink.wait_for("ada@example.com")).link()
    results = await asyncio.gather(*(follow(client, link) for _ in range(5)))
    winners = [params for _, params in results if "refreshToken" in params]
    assert len(winners) == 1
    assert sum(1 for _, params in results if params.get("error") == "invalid-ticket") == 4


async def test_resend_answers_the_same_for_every_address(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "ada@example.com")
    await mail_sink.wait_for("ada@example.com")
    client2 = await mail_client(email_verification_required=False)
    await sign_up(client2, "verified@example.com")
    async with client.core.db.write() as s:
        await s.execute(update(User).where(User.email == "verified@example.com").values(email_verified=True))

    answers = []
    for email in ("ada@example.com", "verified@example.com", "nobody@example.com"):
        response = await client.post("/v1/user/email/send-verification-email", json={"email": email})
        answers.append((response.status_code, response.content))
    assert len(set(answers)) == 1 and answers[0] == (200, b'"OK"')
    await settle(client)
    assert len(mail_sink.to("ada@example.com")) == 2
    assert mail_sink.to("verified@example.com") == [] and mail_sink.to("nobody@example.com") == []
    # both links of ada work until one is used; then the other is retired
    first, second = (m.link() for m in mail_sink.to("ada@example.com"))
    _, params = await follow(client, second)
    assert "refreshToken" in params
    _, params = await follow(client, first)
    assert params["error"] == "invalid-ticket"


async def test_resend_validates_its_input(mail_client):
    client = await mail_client()
    assert_error(await client.post("/v1/user/email/send-verification-email", json={"email": "not an email"}),
                 400, "invalid-request")
    assert_error(await client.post("/v1/user/email/send-verification-email",
                                   json={"email": "a@example.com", "options": {"redirectTo": "https://evil.com"}}),
                 400, "redirectTo-not-allowed")
    assert_error(await client.post("/v1/user/email/send-verification-email",
                                   json={"email": "a@example.com", "codeChallenge": "a" * 42}), 400, "invalid-request")
    assert_error(await client.post("/v1/user/email/send-verification-email", json={"email": "a@example.com", "x": 1}),
                 400, "invalid-request")


async def test_slow_smtp_does_not_hold_the_request(mail_client, mail_sink):
    # The held SMTP server would keep a request that waited for it until the 60 s SMTP timeout; the answer
    # must come after the 100 ms wait plus the sign-up's own work (a password hash: seconds on a loaded CI box).
    client = await mail_client(email_send_wait_ms=100, smtp_timeout_seconds=60)
    mail_sink.hold()
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await sign_up(client, "ada@example.com")
    elapsed = loop.time() - started
    assert response.json() == {"session": None}
    assert elapsed < 20.0, elapsed  # bounded by the wait, not by the SMTP server's pace (60 s)
    assert mail_sink.to("ada@example.com") == []
    mail_sink.release()
    await mail_sink.wait_for("ada@example.com")
    await settle(client)
    [row] = await outbox_of(client)
    assert row.status == "sent"


async def test_failed_delivery_is_retried_then_marked_failed(mail_client, mail_sink):
    client = await mail_client(email_max_attempts=2)
    mail_sink.fail_next(1)
    await sign_up(client, "ada@example.com")
    await settle(client)
    [row] = await outbox_of(client)
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    postman = client.core.postman
    assert await postman.retry_due() == 0  # not due yet: backoff
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await postman.retry_due(later) == 1
    await mail_sink.wait_for("ada@example.com")
    [row] = await outbox_of(client)
    assert row.status == "sent" and row.attempts == 2

    mail_sink.fail_next(5)
    await sign_up(client, "bob@example.com")
    await settle(client)
    await postman.retry_due(later)
    rows = [r for r in await outbox_of(client) if r.recipient == "bob@example.com"]
    assert [r.status for r in rows] == ["failed"]
    assert rows[0].attempts == 2 and "451" in rows[0].last_error
    assert rows[0].body_text  # kept, so `authward outbox retry` can send it again
    assert await postman.retry_due(later + timedelta(days=1)) == 0  # failed rows are not retried forever

    # `authward outbox retry ID`: a fresh set of attempts, delivered at once
    from authward.cli.outbox import _retry

    mail_sink.fail_next(0)  # the SMTP server is fine again
    assert await _retry(client.core.settings, rows[0].id) == "sent"
    assert len(mail_sink.to("bob@example.com")) == 1
    assert await _retry(client.core.settings, rows[0].id) is None  # only failed messages


async def test_unreachable_smtp_is_recorded_not_raised(mail_client):
    from tests.mail_sink import free_port

    client = await mail_client(smtp_port=free_port(), email_max_attempts=1)
    response = await sign_up(client, "ada@example.com")
    assert response.status_code == 200
    await settle(client)
    [row] = await outbox_of(client)
    assert row.status == "failed" and row.last_error


async def test_no_smtp_keeps_mail_in_the_dev_outbox(make_client, caplog):
    client = await make_client(email_verification_required=True)
    await sign_up(client, "ada@example.com")
    await settle(client)
    [row] = await outbox_of(client)
    assert row.status == "logged" and row.recipient == "ada@example.com"
    assert "/verify?ticket=verifyEmail" in row.body_text and row.body_html
    assert any("dev outbox" in r.getMessage() and "ada@example.com" in r.getMessage() for r in caplog.records)
    # GET /dev/outbox exists only in dev mode
    assert_error(await client.get("/dev/outbox"), 404, "route-not-found")
    dev = await make_client(dev_mode=True)
    listing = (await dev.get("/dev/outbox", params={"to": "ADA@example.com"})).json()["messages"]
    assert [m["to"] for m in listing] == ["ada@example.com"]
    assert listing[0]["status"] == "logged" and "verifyEmail:" in listing[0]["text"]


async def test_outbox_rows_hold_no_ticket_in_clear_after_sending(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "ada@example.com")
    ticket = (await mail_sink.wait_for("ada@example.com")).ticket()
    await settle(client)
    async with client.core.db.read() as s:
        rows = (await s.scalars(select(OutboxMessage))).all()
        stored = (await s.scalars(select(Ticket))).all()
    assert all(ticket not in (r.body_text or "") for r in rows)
    assert all(ticket.split(":", 1)[1] not in t.secret_hash for t in stored)
    assert all(len(t.secret_hash) == 64 for t in stored)
