"""PKCE on the redirect flows (Nhost's `codeChallenge`) and `POST /token/exchange`, on both databases.

Each flow mails a link through a real SMTP sink; following it redirects with `code` (never a refresh
token), and the code with its verifier becomes the session once. Refusals: a wrong verifier (which also
burns the code), a replayed code, an expired code, a verifier outside RFC 7636's alphabet.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
from sqlalchemy import select, update

from authward.services.method_info import PASSWORD
from authward.services.sign_in import SignInContext
from authward.storage.models import Ticket, User
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD as A_PASSWORD
from tests.integration.helpers import assert_error, sign_up
from tests.integration.test_email_verification import follow

NS = "https://hasura.io/jwt/claims"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)  # 64 characters of RFC 7636's alphabet
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def exchange(client, code: str, verifier: str):
    return await client.post("/v1/token/exchange", json={"code": code, "codeVerifier": verifier})


async def magic_link_code(client, mail_sink, email: str, challenge: str) -> tuple[str, dict]:
    response = await client.post("/v1/signin/passwordless/email", json={
        "email": email, "codeChallenge": challenge, "options": {"redirectTo": "https://app.example.com/cb"}})
    assert response.status_code == 200 and response.json() == "OK", response.text
    await settle(client)
    redirect, params = await follow(client, (await mail_sink.wait_for(email)).link())
    assert redirect.headers["location"].startswith("https://app.example.com/cb?code=")
    return params["code"], params


async def test_magic_link_redirects_with_a_code_that_becomes_the_session_once(mail_client, mail_sink):
    client = await mail_client()
    verifier, challenge = pkce_pair()
    code, params = await magic_link_code(client, mail_sink, "ada@example.com", challenge)
    assert "refreshToken" not in params and params["type"] == "passwordlessEmail"
    async with client.core.db.read() as s:  # stored hashed, like every ticket
        assert (await s.scalar(select(Ticket).where(Ticket.kind == "pkceCode"))).secret_hash != code

    response = await exchange(client, code, verifier)
    assert response.status_code == 200, response.text
    session = response.json()["session"]
    assert session["user"]["email"] == "ada@example.com" and session["user"]["emailVerified"] is True
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    assert claims["amr"] == ["email"]  # the link's amr travelled in the code
    assert claims[NS]["x-hasura-auth-elevated"] == claims["sub"]  # a fresh proof, as without PKCE
    refreshed = await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})
    assert refreshed.status_code == 200

    assert_error(await exchange(client, code, verifier), 400, "invalid-request")  # replayed


async def test_a_wrong_verifier_is_refused_and_burns_the_code(mail_client, mail_sink):
    client = await mail_client()
    verifier, challenge = pkce_pair()
    code, _ = await magic_link_code(client, mail_sink, "ada@example.com", challenge)
    other_verifier, _ = pkce_pair()
    assert_error(await exchange(client, code, other_verifier), 400, "invalid-request")
    # the right verifier now comes too late: an intercepted code cannot be guessed against
    assert_error(await exchange(client, code, verifier), 400, "invalid-request")


async def test_an_expired_code_is_refused(mail_client, mail_sink):
    client = await mail_client()
    verifier, challenge = pkce_pair()
    code, _ = await magic_link_code(client, mail_sink, "ada@example.com", challenge)
    async with client.core.db.write() as s:
        row = await s.scalar(select(Ticket).where(Ticket.kind == "pkceCode"))
        assert row.expires_at - row.created_at <= timedelta(minutes=10)  # short-lived
        await s.execute(update(Ticket).where(Ticket.id == row.id)
                        .values(expires_at=row.created_at - timedelta(seconds=1)))
    assert_error(await exchange(client, code, verifier), 400, "invalid-request")


async def test_malformed_verifiers_and_codes_are_refused(mail_client, mail_sink):
    client = await mail_client()
    verifier, challenge = pkce_pair()
    code, _ = await magic_link_code(client, mail_sink, "ada@example.com", challenge)
    assert_error(await exchange(client, code, "a" * 42), 400, "invalid-request")  # too short (schema)
    assert_error(await exchange(client, code, "a" * 129), 400, "invalid-request")  # too long (schema)
    assert_error(await exchange(client, "pkceCode:nope", verifier), 400, "invalid-request")
    assert_error(await client.post("/v1/token/exchange", json={"code": code}), 400, "invalid-request")
    # a verifier of the right length outside the alphabet never matches (and burns the code)
    assert_error(await exchange(client, code, verifier[:-1] + "!"), 400, "invalid-request")
    assert_error(await exchange(client, code, verifier), 400, "invalid-request")
    # a malformed challenge is refused when the link is asked for
    assert_error(await client.post("/v1/signin/passwordless/email",
                                   json={"email": "b@example.com", "codeChallenge": "x" * 42}), 400,
                 "invalid-request")


async def test_sign_up_verification_link_with_a_challenge(mail_client, mail_sink):
    client = await mail_client()
    verifier, challenge = pkce_pair()
    response = await client.post("/v1/signup/email-password", json={
        "email": "new@example.com", "password": A_PASSWORD, "codeChallenge": challenge})
    assert response.status_code == 200 and response.json() == {"session": None}
    _, params = await follow(client, (await mail_sink.wait_for("new@example.com")).link())
    assert params["type"] == "verifyEmail" and "refreshToken" not in params
    session = (await exchange(client, params["code"], verifier)).json()["session"]
    assert session["user"]["email"] == "new@example.com" and session["user"]["emailVerified"] is True


async def test_resent_verification_link_with_a_challenge(mail_client, mail_sink):
    client = await mail_client()
    await sign_up(client, "late@example.com")
    verifier, challenge = pkce_pair()
    response = await client.post("/v1/user/email/send-verification-email",
                                 json={"email": "late@example.com", "codeChallenge": challenge})
    assert response.status_code == 200
    await settle(client)
    _, params = await follow(client, mail_sink.to("late@example.com")[-1].link())
    assert params["type"] == "verifyEmail"
    assert (await exchange(client, params["code"], verifier)).status_code == 200


async def test_password_reset_link_with_a_challenge(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await sign_up(client, "ada@example.com")
    verifier, challenge = pkce_pair()
    response = await client.post("/v1/user/password/reset",
                                 json={"email": "ada@example.com", "codeChallenge": challenge})
    assert response.status_code == 200
    await settle(client)
    _, params = await follow(client, mail_sink.to("ada@example.com")[-1].link())
    assert params["type"] == "passwordReset" and "refreshToken" not in params
    session = (await exchange(client, params["code"], verifier)).json()["session"]
    changed = await client.post("/v1/user/password", json={"newPassword": "a brand new passphrase"},
                                headers={"authorization": f"Bearer {session['accessToken']}"})
    assert changed.status_code == 200, changed.text


async def test_email_change_link_with_a_challenge(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    session = (await sign_up(client, "old@example.com")).json()["session"]
    verifier, challenge = pkce_pair()
    response = await client.post("/v1/user/email/change", json={"newEmail": "new@example.com",
                                                                "codeChallenge": challenge},
                                 headers={"authorization": f"Bearer {session['accessToken']}"})
    assert response.status_code == 200, response.text
    _, params = await follow(client, (await mail_sink.wait_for("new@example.com")).link())
    assert params["type"] == "emailConfirmChange"
    exchanged = (await exchange(client, params["code"], verifier)).json()["session"]
    assert exchanged["user"]["email"] == "new@example.com"


async def test_verify_takes_a_challenge_for_a_link_asked_without_one(mail_client, mail_sink):
    client = await mail_client()
    response = await client.post("/v1/signin/passwordless/email", json={"email": "ada@example.com"})
    assert response.status_code == 200
    await settle(client)
    link = (await mail_sink.wait_for("ada@example.com")).link()
    verifier, challenge = pkce_pair()
    _, params = await follow(client, f"{link}&codeChallenge={challenge}")
    assert "refreshToken" not in params
    assert (await exchange(client, params["code"], verifier)).status_code == 200


async def test_a_code_is_only_for_the_challenge_recorded_in_the_ticket(mail_client, mail_sink):
    client = await mail_client()
    verifier, challenge = pkce_pair()
    response = await client.post("/v1/signin/passwordless/email", json={"email": "ada@example.com",
                                                                        "codeChallenge": challenge})
    assert response.status_code == 200
    await settle(client)
    link = (await mail_sink.wait_for("ada@example.com")).link()
    # someone holding the link adds their own challenge: the one the app recorded wins
    _, attacker_challenge = pkce_pair()
    _, params = await follow(client, f"{link}&codeChallenge={attacker_challenge}")
    assert (await exchange(client, params["code"], verifier)).status_code == 200


async def test_a_user_disabled_before_the_exchange_gets_no_session(mail_client, mail_sink):
    client = await mail_client()
    verifier, challenge = pkce_pair()
    code, _ = await magic_link_code(client, mail_sink, "ada@example.com", challenge)
    async with client.core.db.write() as s:
        await s.execute(update(User).values(disabled=True))
    assert_error(await exchange(client, code, verifier), 401, "disabled-user")


async def test_the_exchange_code_function_for_other_redirect_flows(mail_client):
    """What a provider sign-in calls: a completed sign-in and a challenge make the exchange code."""
    client = await mail_client(email_verification_required=False)
    uid = (await sign_up(client, "ada@example.com")).json()["session"]["user"]["id"]
    verifier, challenge = pkce_pair()
    async with client.core.db.write() as s:
        user = await s.get(User, uuid.UUID(uid))
        issued = await client.core.exchange_codes.issue(s, user, PASSWORD, SignInContext("test"), challenge)
    session = (await exchange(client, issued.code, verifier)).json()["session"]
    assert session["user"]["id"] == uid
    assert jwt.decode(session["accessToken"], options={"verify_signature": False})["amr"] == ["pwd"]


async def test_the_confirm_page_carries_the_challenge_and_its_post_answers_a_code(mail_client, mail_sink):
    client = await mail_client(verify_confirm_page=True)
    response = await client.post("/v1/signin/passwordless/email", json={"email": "ada@example.com"})
    assert response.status_code == 200
    await settle(client)
    mail = await mail_sink.wait_for("ada@example.com")
    verifier, challenge = pkce_pair()
    page = await client.get("/verify", params={"ticket": mail.ticket(), "redirectTo": "https://app.example.com",
                                               "codeChallenge": challenge})
    assert page.status_code == 200 and f'name="codeChallenge" value="{challenge}"' in page.text
    form = {"ticket": mail.ticket(), "redirectTo": "https://app.example.com", "codeChallenge": challenge}
    posted = await client.post("/verify", data=form, follow_redirects=False)
    assert posted.status_code == 303 and "refreshToken=" not in posted.headers["location"]
    code = parse_qs(urlsplit(posted.headers["location"]).query)["code"][0]
    assert (await exchange(client, code, verifier)).status_code == 200


async def test_mfa_users_get_the_challenge_not_a_code(mail_client, mail_sink):
    client = await mail_client(email_verification_required=False)
    await sign_up(client, "ada@example.com")
    async with client.core.db.write() as s:
        await s.execute(update(User).values(email_verified=True, active_mfa_type="totp"))
    _, challenge = pkce_pair()
    response = await client.post("/v1/signin/passwordless/email", json={"email": "ada@example.com",
                                                                        "codeChallenge": challenge})
    assert response.status_code == 200
    await settle(client)
    _, params = await follow(client, mail_sink.to("ada@example.com")[-1].link())
    assert "code" not in params and params["mfaTicket"].startswith("mfaTotp:")
