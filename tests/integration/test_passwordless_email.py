"""Magic links and email codes, in-process with a real SMTP sink, on both databases."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import func, select, update

from authward.storage.models import Ticket, User
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle, tickets_of  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, assert_error, sign_up
from tests.integration.test_email_verification import follow


async def users(client) -> list[User]:
    async with client.core.db.read() as s:
        return list((await s.scalars(select(User))).all())


async def magic_link(client, email: str, path: str = "/v1/signin/passwordless/email", **options):
    body = {"email": email, **({"options": options} if options else {})}
    response = await client.post(path, json=body)
    assert response.status_code == 200 and response.json() == "OK", response.text
    await settle(client)


async def session_from(client, refresh_token: str) -> dict:
    response = await client.post("/v1/token", json={"refreshToken": refresh_token})
    assert response.status_code == 200, response.text
    return response.json()


# -- magic links
async def test_magic_link_creates_the_user_only_when_followed(mail_client, mail_sink):
    client = await mail_client()
    await magic_link(client, "New.User@Example.com", displayName="Nova", locale="fr", metadata={"plan": "pro"},
                     redirectTo="https://app.example.com/in")
    assert await users(client) == []  # nothing created for a mere request
    mail = await mail_sink.wait_for("new.user@example.com")
    assert mail.subject == "Votre lien de connexion" and "Bonjour Nova" in mail.text
    assert mail.ticket().startswith("passwordlessEmail:")

    redirect, params = await follow(client, mail.link())
    assert redirect.headers["location"].startswith("https://app.example.com/in?refreshToken=")
    assert params["type"] == "passwordlessEmail"
    session = await session_from(client, params["refreshToken"])
    user = session["user"]
    assert user["email"] == "new.user@example.com" and user["emailVerified"] is True
    assert user["displayName"] == "Nova" and user["locale"] == "fr" and user["metadata"] == {"plan": "pro"}
    assert jwt.decode(session["accessToken"], options={"verify_signature": False})["amr"] == ["email"]
    _, again = await follow(client, mail.link())
    assert again["error"] == "invalid-ticket"


async def test_magic_link_for_a_known_user(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    uid = (await sign_up(client, "ada@example.com")).json()["session"]["user"]["id"]
    async with client.core.db.write() as s:
        await s.execute(update(User).values(email_verified=True))
    await magic_link(client, "ada@example.com")
    _, params = await follow(client, (await mail_sink.wait_for("ada@example.com")).link())
    assert (await session_from(client, params["refreshToken"]))["user"]["id"] == uid
    assert len(await users(client)) == 1
    # a verified user keeps the password
    signin = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert signin.status_code == 200


async def test_proving_an_unverified_address_drops_the_squatters_password(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "victim@example.com")  # someone else's address: never verified
    await magic_link(client, "victim@example.com")
    mails = mail_sink.to("victim@example.com")
    assert [m.ticket().split(":")[0] for m in mails] == ["verifyEmail", "passwordlessEmail"]
    _, params = await follow(client, mails[-1].link())
    assert "refreshToken" in params
    # the squatter's password would now work (the address is verified): it is gone
    assert_error(await client.post("/v1/signin/email-password",
                                   json={"email": "victim@example.com", "password": PASSWORD}),
                 401, "invalid-email-password")


async def test_without_required_verification_a_link_keeps_the_password(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    session = (await sign_up(client, "ada@example.com")).json()["session"]
    await magic_link(client, "ada@example.com")
    _, params = await follow(client, (await mail_sink.wait_for("ada@example.com")).link())
    assert "refreshToken" in params
    signin = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert signin.status_code == 200
    assert (await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})).status_code == 200


async def test_sign_up_by_link_for_a_known_address_does_nothing(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await sign_up(client, "ada@example.com")
    await magic_link(client, "ada@example.com", path="/v1/signup/passwordless/email")
    await magic_link(client, "fresh@example.com", path="/v1/signup/passwordless/email")
    assert mail_sink.to("ada@example.com") == []
    assert len(mail_sink.to("fresh@example.com")) == 1


async def test_magic_link_switches(mail_client, mail_sink):
    off = await mail_client(email_passwordless_enabled=False)
    assert_error(await off.post("/v1/signin/passwordless/email", json={"email": "a@example.com"}), 409,
                 "disabled-endpoint")
    closed = await mail_client(disable_signup=True)
    assert_error(await closed.post("/v1/signup/passwordless/email", json={"email": "a@example.com"}), 403,
                 "signup-disabled")
    await magic_link(closed, "a@example.com")  # sign-in for an unknown address: same answer, no mail
    invite_only = await mail_client(disable_auto_signup=True)
    await magic_link(invite_only, "b@example.com")
    await magic_link(invite_only, "c@example.com", path="/v1/signup/passwordless/email")
    assert mail_sink.to("a@example.com") == [] and mail_sink.to("b@example.com") == []
    assert len(mail_sink.to("c@example.com")) == 1


async def test_magic_link_options_are_validated_up_front(mail_client):
    client = await mail_client()
    for options, code in (({"allowedRoles": ["admin"]}, "role-not-allowed"),
                          ({"locale": "xx"}, "locale-not-allowed"),
                          ({"redirectTo": "https://evil.example.net"}, "redirectTo-not-allowed")):
        assert_error(await client.post("/v1/signin/passwordless/email", json={"email": "a@example.com",
                                                                              "options": options}), 400, code)
    assert_error(await client.post("/v1/signin/passwordless/email", json={"email": "a@example.com",
                                                                          "codeChallenge": "A=" * 21 + "A"}),
                 400, "invalid-request")
    await settle(client)
    assert await tickets_of(client) == []


async def test_signup_disabled_at_redemption_time_is_answered_on_the_redirect(mail_client, mail_sink):
    client = await mail_client()
    await magic_link(client, "late@example.com")
    link = (await mail_sink.wait_for("late@example.com")).link()
    closed = await mail_client(disable_signup=True)
    _, params = await follow(closed, link)
    assert params["error"] == "signup-disabled"
    assert await users(closed) == []


async def test_confirm_page_protects_links_from_mail_scanners(mail_client, mail_sink):
    client = await mail_client(verify_confirm_page=True)
    await magic_link(client, "ada@example.com")
    link = (await mail_sink.wait_for("ada@example.com")).link()
    path = link.split("127.0.0.1:4000", 1)[1]
    for _ in range(3):  # a scanner fetching the link uses nothing
        page = await client.get(path, headers={"accept-language": "fr-FR,fr;q=0.9"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "Continuer" in page.text and 'method="post"' in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert await users(client) == []
    form = {"ticket": (await mail_sink.wait_for("ada@example.com")).ticket(), "redirectTo": "https://app.example.com"}
    posted = await client.post("/verify", data=form, follow_redirects=False)
    assert posted.status_code == 303
    assert "refreshToken=" in posted.headers["location"]
    again = await client.post("/verify", data=form, follow_redirects=False)
    assert "error=invalid-ticket" in again.headers["location"]
    # the page escapes what it echoes
    page = await client.get("/verify", params={"ticket": '"><script>alert(1)</script>',
                                               "redirectTo": "https://app.example.com"})
    assert "<script>" not in page.text


async def test_post_verify_is_off_without_the_confirm_page(mail_client):
    client = await mail_client()
    assert_error(await client.post("/verify", data={"ticket": "x", "redirectTo": "https://app.example.com"}),
                 405, "method-not-allowed")


async def test_mfa_users_get_a_challenge_not_a_session(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await sign_up(client, "ada@example.com")
    async with client.core.db.write() as s:
        await s.execute(update(User).values(email_verified=True, active_mfa_type="totp"))
    await magic_link(client, "ada@example.com")
    _, params = await follow(client, (await mail_sink.wait_for("ada@example.com")).link())
    assert "refreshToken" not in params and params["mfaTicket"].startswith("mfaTotp:")


# -- email codes
async def request_code(client, mail_sink, email: str, count: int = 1, path: str = "/v1/signin/otp/email", **options):
    body = {"email": email, **({"options": options} if options else {})}
    response = await client.post(path, json=body)
    assert response.status_code == 200 and response.json() == "OK", response.text
    await settle(client)
    return (await mail_sink.wait_for(email, count=count)).code()


async def verify_code(client, email: str, otp: str):
    return await client.post("/v1/signin/otp/email/verify", json={"email": email, "otp": otp})


async def test_email_code_signs_in_and_creates_the_user(mail_client, mail_sink):
    client = await mail_client()
    code = await request_code(client, mail_sink, "Otto@Example.com", displayName="Otto")
    assert await users(client) == []
    mail = mail_sink.to("otto@example.com")[0]
    assert mail.subject == "Your sign-in code" and code in (mail.html or "")
    response = await verify_code(client, "OTTO@example.com", f" {code} ")
    assert response.status_code == 200
    session = response.json()["session"]
    assert session["user"]["email"] == "otto@example.com" and session["user"]["displayName"] == "Otto"
    assert session["user"]["emailVerified"] is True
    assert jwt.decode(session["accessToken"], options={"verify_signature": False})["amr"] == ["otp"]
    assert_error(await verify_code(client, "otto@example.com", code), 400, "invalid-otp")  # single use


async def test_wrong_codes_exhaust_the_attempts(mail_client, mail_sink):
    client = await mail_client(email_otp_max_attempts=3)
    code = await request_code(client, mail_sink, "ada@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert_error(await verify_code(client, "ada@example.com", wrong), 400, "invalid-otp")
    assert_error(await verify_code(client, "ada@example.com", code), 400, "otp-too-many-attempts")
    [ticket] = [t for t in await tickets_of(client) if t.kind == "otpEmail"]
    assert ticket.attempts == 3 and ticket.consumed_at is None
    # a new code starts afresh, and the old one is dead
    new_code = await request_code(client, mail_sink, "ada@example.com", count=2)
    response = await verify_code(client, "ada@example.com", new_code)
    assert response.status_code == 200


async def test_codes_expire_and_are_bound_to_their_address(mail_client, mail_sink):
    client = await mail_client()
    code = await request_code(client, mail_sink, "ada@example.com")
    assert_error(await verify_code(client, "bob@example.com", code), 400, "invalid-otp")
    assert_error(await verify_code(client, "not an email", code), 400, "invalid-otp")
    async with client.core.db.write() as s:
        await s.execute(update(Ticket).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert_error(await verify_code(client, "ada@example.com", code), 400, "invalid-otp")
    assert await users(client) == []


async def test_codes_per_hour_are_capped(mail_client, mail_sink):
    client = await mail_client(email_otp_max_per_hour=2)
    await request_code(client, mail_sink, "ada@example.com")
    await request_code(client, mail_sink, "ada@example.com", count=2)
    response = await client.post("/v1/signin/otp/email", json={"email": "ada@example.com"})
    assert response.status_code == 200  # the same answer ...
    await settle(client)
    assert len(mail_sink.to("ada@example.com")) == 2  # ... but no third code
    async with client.core.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 2


async def test_code_answers_are_the_same_for_every_address(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await sign_up(client, "ada@example.com")
    answers = set()
    for email in ("ada@example.com", "nobody@example.com"):
        response = await client.post("/v1/signin/otp/email", json={"email": email})
        answers.add((response.status_code, response.content))
    assert answers == {(200, b'"OK"')}
    for email in ("ada@example.com", "nobody@example.com"):
        assert_error(await verify_code(client, email, "123456"), 400, "invalid-otp")


async def test_code_switch_and_signup_route(mail_client, mail_sink):
    off = await mail_client(email_otp_enabled=False)
    assert_error(await off.post("/v1/signin/otp/email", json={"email": "a@example.com"}), 409, "disabled-endpoint")
    assert_error(await verify_code(off, "a@example.com", "123456"), 409, "disabled-endpoint")
    client = await mail_client(email_verification_required=False)
    await sign_up(client, "ada@example.com")
    response = await client.post("/v1/signup/otp/email", json={"email": "ada@example.com"})
    assert response.status_code == 200
    await settle(client)
    assert mail_sink.to("ada@example.com") == []
    code = await request_code(client, mail_sink, "new@example.com", path="/v1/signup/otp/email")
    assert (await verify_code(client, "new@example.com", code)).status_code == 200
