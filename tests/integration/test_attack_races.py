"""50-way races, in process (asyncio.gather over the ASGI app), on SQLite and PostgreSQL: every single-use secret
is used once, every send limit sends exactly its number, whatever the interleaving.

The refresh race against a real server process is tests/e2e/test_refresh_concurrency.py; here it runs in process
with 50 requests. Each test would have caught a check-then-act bug (a read, then a write in another transaction).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import func, select

from authward.services.tickets import TicketKind, TicketOwner
from authward.storage.models import OutboxMessage, PersonalAccessToken, RefreshToken, User
from tests.integration.helpers import PASSWORD, session_for
from tests.integration.test_oauth_provider import REDIRECT, authorize_with_bearer, pkce, register
from tests.integration.test_rate_limits import redis_url  # noqa: F401 - fixture

PARALLEL = 50
PHONE = "+14155552671"
# Limits on, with per-IP buckets wide enough that only the per-address / per-number limit can refuse.
OPEN_IP_BUCKETS = {
    "ratelimit_enabled": True, "ratelimit_email": "1000/hour", "ratelimit_sms": "1000/hour",
    "ratelimit_signin": "1000/minute", "ratelimit_password_signin": "1000/minute", "ratelimit_signup": "1000/minute",
    "ratelimit_refresh": "1000/minute", "ratelimit_oauth_token": "1000/minute", "ratelimit_anonymous": "1000/hour",
    "ratelimit_account_failures": "1000/minute", "email_verification_required": False,
}


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


async def burst(n: int, request) -> list[Any]:
    return await asyncio.gather(*(request(i) for i in range(n)))


def statuses(responses) -> Counter[int]:
    return Counter(r.status_code for r in responses)


async def count(client, model, *where) -> int:
    async with client.core.db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)))


async def mails_to(client, address: str) -> int:
    await client.core.background.drain(grace=15)
    return await count(client, OutboxMessage, OutboxMessage.recipient == address)


# -- single-use secrets
async def test_one_refresh_token_refreshes_once(make_client):
    client = await make_client(refresh_token_reuse_interval=0)
    session = await session_for(client)
    answers = await burst(PARALLEL, lambda _: client.post("/v1/token", json={"refreshToken": session["refreshToken"]}))
    assert statuses(answers)[200] == 1, statuses(answers)
    assert {r.json()["error"] for r in answers if r.status_code != 200} == {"invalid-refresh-token"}
    assert await count(client, RefreshToken, RefreshToken.status == "active") <= 1


async def test_one_reset_ticket_sets_one_password(make_client):
    client = await make_client(email_verification_required=False)
    await session_for(client)
    async with client.core.db.write() as s:
        user = (await s.scalars(select(User))).one()
        ticket = await client.core.tickets.issue(s, TicketKind.PASSWORD_RESET, 600, TicketOwner(user.id))
    answers = await burst(PARALLEL, lambda i: client.post(
        "/v1/user/password", json={"newPassword": f"new password number {i:02d}", "ticket": ticket}))
    assert statuses(answers) == Counter({200: 1, 401: PARALLEL - 1}), statuses(answers)
    [winner] = [i for i, r in enumerate(answers) if r.status_code == 200]
    signed_in = await client.post("/v1/signin/email-password",
                                  json={"email": "ada@example.com", "password": f"new password number {winner:02d}"})
    assert signed_in.status_code == 200


async def test_one_email_code_signs_in_once(make_client):
    client = await make_client(email_verification_required=False)
    await client.post("/v1/signin/otp/email", json={"email": "ada@example.com"})
    await client.core.background.drain(grace=15)
    async with client.core.db.read() as s:
        body = (await s.scalars(select(OutboxMessage.body_text))).one()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    answers = await burst(PARALLEL, lambda _: client.post("/v1/signin/otp/email/verify",
                                                           json={"email": "ada@example.com", "otp": code}))
    assert statuses(answers)[200] == 1, statuses(answers)
    assert await count(client, User) == 1  # the pending sign-up became one user, once


async def test_one_sms_code_signs_in_once(make_client):
    client = await make_client(sms_passwordless_enabled=True)
    await client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE})
    async with client.core.db.read() as s:
        body = (await s.scalars(select(OutboxMessage.body_text))).one()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    answers = await burst(PARALLEL, lambda _: client.post("/v1/signin/passwordless/sms/otp",
                                                           json={"phoneNumber": PHONE, "otp": code}))
    assert statuses(answers)[200] == 1, statuses(answers)
    assert await count(client, User) == 1


async def test_one_totp_code_passes_one_mfa_ticket(make_client):
    client = await make_client(email_verification_required=False)
    session = await session_for(client)
    secret = (await client.get("/v1/mfa/totp/generate", headers=bearer(session))).json()["totpSecret"]
    await client.post("/v1/user/mfa", json={"code": pyotp.TOTP(secret).now(), "activeMfaType": "totp"},
                      headers=bearer(session))
    tickets = [(await client.post("/v1/signin/email-password",
                                  json={"email": "ada@example.com", "password": PASSWORD})).json()["mfa"]["ticket"]
               for _ in range(PARALLEL)]
    code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))  # not the activation's step
    answers = await asyncio.gather(*(client.post("/v1/signin/mfa/totp", json={"ticket": t, "otp": code})
                                     for t in tickets))
    assert statuses(answers)[200] == 1, statuses(answers)


async def test_one_authorization_code_gives_tokens_once(make_client):
    client = await make_client(email_verification_required=False)
    app = await register(client)
    session = await session_for(client)
    verifier, challenge = pkce()
    answer = await authorize_with_bearer(client, app, session, code_challenge=challenge, code_challenge_method="S256")
    form = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": REDIRECT,
            "code_verifier": verifier}
    answers = await burst(PARALLEL, lambda _: client.post("/oauth/token", data=form,
                                                           auth=(app.client_id, app.secret or "")))
    assert statuses(answers)[200] == 1, statuses(answers)
    assert {r.json()["error"] for r in answers if r.status_code != 200} == {"invalid_grant"}


async def test_parallel_pat_creation_then_a_password_change_leaves_none_usable(make_client):
    client = await make_client(email_verification_required=False)
    session = await session_for(client)
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    answers = await burst(PARALLEL, lambda _: client.post("/v1/pat", json={"expiresAt": expires},
                                                           headers=bearer(session)))
    assert statuses(answers) == Counter({200: PARALLEL})
    tokens = {r.json()["personalAccessToken"] for r in answers}
    assert len(tokens) == PARALLEL and await count(client, PersonalAccessToken) == PARALLEL
    changed = await client.post("/v1/user/password", json={"newPassword": "another long passphrase"},
                                headers=bearer(session))
    assert changed.status_code == 200
    uses = await asyncio.gather(*(client.post("/v1/signin/pat", json={"personalAccessToken": t}) for t in tokens))
    assert statuses(uses) == Counter({401: PARALLEL})


# -- send limits
async def test_parallel_sms_sign_ins_for_one_number_send_one_code(make_client):
    """Nhost's resend interval: one code per number per minute, however many requests race for it."""
    client = await make_client(**OPEN_IP_BUCKETS, sms_passwordless_enabled=True)
    answers = await burst(20, lambda _: client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE}))
    assert statuses(answers) == Counter({200: 1, 429: 19}), statuses(answers)
    assert await mails_to(client, PHONE) == 1


async def test_parallel_sms_sign_ins_send_exactly_the_hourly_number(make_client):
    client = await make_client(**OPEN_IP_BUCKETS, sms_passwordless_enabled=True, sms_otp_resend_interval=0,
                               sms_otp_max_per_hour=5)
    answers = await burst(20, lambda _: client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE}))
    assert statuses(answers) == Counter({200: 5, 429: 15}), statuses(answers)
    assert await mails_to(client, PHONE) == 5
    assert await count(client, User) == 0  # and nobody was created before a code was verified


async def test_parallel_phone_changes_for_one_number_send_one_code(make_client):
    """The phone-change codes are counted atomically too: one SMS per interval to a number, however many
    requests race (no SMS pumping through the account routes)."""
    client = await make_client(**OPEN_IP_BUCKETS, sms_passwordless_enabled=True)
    session = await session_for(client)
    answers = await burst(20, lambda _: client.post("/v1/user/phone-number/change", json={"newPhoneNumber": PHONE},
                                                    headers=bearer(session)))
    assert statuses(answers) == Counter({200: 1, 429: 19}), statuses(answers)
    assert await mails_to(client, PHONE) == 1


async def test_two_processes_sharing_redis_send_exactly_the_hourly_number(make_client, redis_url):  # noqa: F811
    shared = {**OPEN_IP_BUCKETS, "sms_passwordless_enabled": True, "sms_otp_resend_interval": 0,
              "sms_otp_max_per_hour": 4, "redis_url": redis_url, "ratelimit_key_prefix": f"t-{uuid.uuid4().hex[:8]}"}
    first, second = await make_client(**shared), await make_client(**shared)
    answers = await asyncio.gather(*(app.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE})
                                     for app in [first, second] * 10))
    assert statuses(answers) == Counter({200: 4, 429: 16}), statuses(answers)
    assert await mails_to(first, PHONE) == 4  # one database: the outbox of both


async def test_parallel_magic_link_requests_send_the_allowed_number(make_client):
    client = await make_client(**OPEN_IP_BUCKETS, ratelimit_address_sends="5/hour")
    answers = await burst(PARALLEL, lambda _: client.post("/v1/signin/passwordless/email",
                                                           json={"email": "ada@example.com"}))
    assert statuses(answers) == Counter({200: PARALLEL})  # the same answer every time
    assert await mails_to(client, "ada@example.com") == 5


async def test_parallel_email_code_requests_send_the_allowed_number(make_client):
    client = await make_client(**OPEN_IP_BUCKETS, ratelimit_address_sends="50/hour", email_otp_max_per_hour=3)
    answers = await burst(PARALLEL, lambda _: client.post("/v1/signin/otp/email", json={"email": "ada@example.com"}))
    assert statuses(answers) == Counter({200: PARALLEL})
    assert await mails_to(client, "ada@example.com") == 3


async def test_parallel_reset_requests_send_the_allowed_number(make_client):
    client = await make_client(**OPEN_IP_BUCKETS, ratelimit_address_sends="5/hour")
    await session_for(client)
    answers = await burst(PARALLEL, lambda _: client.post("/v1/user/password/reset",
                                                           json={"email": "ada@example.com"}))
    assert statuses(answers) == Counter({200: PARALLEL})
    assert await mails_to(client, "ada@example.com") == 5


async def test_parallel_verification_requests_send_the_allowed_number(make_client):
    client = await make_client(**{**OPEN_IP_BUCKETS, "email_verification_required": True},
                               ratelimit_address_sends="5/hour")
    await client.post("/v1/signup/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert await mails_to(client, "ada@example.com") == 1  # the sign-up's own verification mail
    answers = await burst(PARALLEL, lambda _: client.post("/v1/user/email/send-verification-email",
                                                           json={"email": "ada@example.com"}))
    assert statuses(answers) == Counter({200: PARALLEL})
    assert await mails_to(client, "ada@example.com") == 5  # the sign-up's and four more


async def test_anonymous_users_per_ip_are_capped_per_day(make_client):
    client = await make_client(**{**OPEN_IP_BUCKETS, "ratelimit_anonymous": "100/hour"},
                               ratelimit_anonymous_daily="7/day", anonymous_users_enabled=True)
    answers = await burst(20, lambda _: client.post("/v1/signin/anonymous", json={}))
    assert statuses(answers) == Counter({200: 7, 429: 13}), statuses(answers)
    assert await count(client, User) == 7
