"""SMS one-time passwords through the Nhost routes, with the log, Twilio and webhook providers.

Twilio and the webhook are a real HTTP server on a free port (tests/receiver.py); each test asserts
the exact request the server made. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import socket
from collections.abc import Iterator
from datetime import timedelta

import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from authward.settings import Settings
from authward.storage.models import OutboxMessage, Ticket, User
from tests.integration.helpers import assert_error
from tests.receiver import HttpReceiver, running_receiver

PHONE = "+14155552671"
SMS = {"sms_passwordless_enabled": True}
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-test-auth-token"
WEBHOOK_SECRET = "webhook-signing-secret-0123456789"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with running_receiver() as running:
        yield running


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


async def outbox_code(client, phone: str = PHONE) -> str:
    async with client.core.db.read() as session:
        rows = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "sms", OutboxMessage.recipient == phone)
            .order_by(OutboxMessage.created_at.desc())
        )).all()
    assert rows, "no SMS in the outbox"
    return code_in(rows[0].body_text)


async def request_code(client, phone: str = PHONE, **options):
    body = {"phoneNumber": phone}
    if options:
        body["options"] = options
    return await client.post("/v1/signin/passwordless/sms", json=body)


async def verify(client, otp: str, phone: str = PHONE):
    return await client.post("/v1/signin/passwordless/sms/otp", json={"phoneNumber": phone, "otp": otp})


async def count(client, model) -> int:
    async with client.core.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def shift_tickets(client, delta: timedelta, **fields) -> None:
    """Move the SMS tickets in time (created_at / expires_at) instead of sleeping."""
    async with client.core.db.write() as session:
        for ticket in (await session.scalars(select(Ticket).where(Ticket.kind == "otpSms"))).all():
            for name in fields or ("created_at",):
                setattr(ticket, name, getattr(ticket, name) + delta)


# -- the log provider (default)
async def test_disabled_by_default(client):
    assert_error(await request_code(client), 409, "disabled-endpoint")
    assert_error(await verify(client, "123456"), 409, "disabled-endpoint")


async def test_sign_in_creates_user_and_verifies_code(make_client):
    client = await make_client(**SMS)
    response = await request_code(client, "+1 (415) 555-2671", displayName="Sam", locale="fr", metadata={"k": 1})
    assert response.status_code == 200
    assert response.json() == "OK"
    code = await outbox_code(client)
    # stored hashed: neither the code nor a plain hash of it is in the ticket
    async with client.core.db.read() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    assert code not in ticket.secret_hash
    assert ticket.secret_hash != hashlib.sha256(code.encode()).hexdigest()
    assert ticket.expires_at - ticket.created_at == timedelta(seconds=300)

    ok = await verify(client, code, "+14155552671")
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["mfa"] is None
    user = body["session"]["user"]
    assert user["phoneNumber"] == PHONE
    assert user["phoneNumberVerified"] is True
    assert user["displayName"] == "Sam"
    assert user["locale"] == "fr"
    assert user["metadata"] == {"k": 1}
    assert "email" not in user
    claims = jwt.decode(body["session"]["accessToken"], options={"verify_signature": False})
    assert claims["amr"] == ["sms"]
    assert claims["sub"] == user["id"]
    # single use
    assert_error(await verify(client, code), 400, "invalid-otp")


async def test_known_number_signs_in_to_the_same_user(make_client):
    client = await make_client(**SMS, sms_otp_resend_interval=0)
    await request_code(client)
    first = (await verify(client, await outbox_code(client))).json()["session"]["user"]
    assert first["displayName"] == PHONE  # default display name
    assert (await request_code(client, displayName="ignored for a known number")).status_code == 200
    second = (await verify(client, await outbox_code(client))).json()["session"]["user"]
    assert second["id"] == first["id"]
    assert await count(client, User) == 1


async def test_invalid_phone_numbers_are_refused(make_client):
    client = await make_client(**SMS)
    for bad in ["+123456789", "4155552671", "not a number", "+1415555267100000"]:
        assert_error(await request_code(client, bad), 400, "invalid-request")
    assert await count(client, User) == 0
    assert await count(client, OutboxMessage) == 0


async def test_default_region_accepts_national_numbers(make_client):
    client = await make_client(**SMS, sms_default_region="gb")
    assert (await request_code(client, "07911 123456")).status_code == 200
    code = await outbox_code(client, "+447911123456")
    assert (await verify(client, code, "+44 7911 123456")).status_code == 200


async def test_wrong_codes_are_limited(make_client):
    client = await make_client(**SMS, sms_otp_max_attempts=3)
    await request_code(client)
    code = await outbox_code(client)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(3):
        assert_error(await verify(client, wrong), 400, "invalid-otp")
    # the right code no longer helps: the ticket is spent
    assert_error(await verify(client, code), 400, "otp-too-many-attempts")
    async with client.core.db.read() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    assert ticket.attempts == 3
    assert ticket.consumed_at is None


async def test_expired_code_is_refused(make_client):
    client = await make_client(**SMS)
    await request_code(client)
    code = await outbox_code(client)
    await shift_tickets(client, -timedelta(seconds=301), expires_at=True)
    assert_error(await verify(client, code), 400, "invalid-otp")


async def test_unknown_number_gets_the_same_answer_as_a_wrong_code(make_client):
    client = await make_client(**SMS)
    assert_error(await verify(client, "123456", "+447911123456"), 400, "invalid-otp")


async def test_resend_is_rate_limited_per_number(make_client, limits_clock):
    client = await make_client(**SMS, sms_otp_resend_interval=60, sms_otp_max_per_hour=3)
    await request_code(client)
    first = await outbox_code(client)
    assert_error(await request_code(client), 429, "too-many-requests")
    # another number is not affected
    assert (await request_code(client, "+447911123456")).status_code == 200
    limits_clock.advance(61)
    assert (await request_code(client)).status_code == 200
    second = await outbox_code(client)
    if second != first:  # only the newest code is live
        assert_error(await verify(client, first), 400, "invalid-otp")
    limits_clock.advance(61)
    assert (await request_code(client)).status_code == 200
    limits_clock.advance(61)
    # three codes in the last hour: the fourth waits
    assert_error(await request_code(client), 429, "too-many-requests")
    limits_clock.advance(3600)
    assert (await request_code(client)).status_code == 200
    assert (await verify(client, await outbox_code(client))).status_code == 200


async def test_an_unknown_number_is_limited_as_a_known_one(make_client):
    """The limits count requests for a number, not codes sent: the 429 tells nothing about who is registered."""
    client = await make_client(**SMS, disable_auto_signup=True, sms_otp_resend_interval=60)
    unknown = "+447911123456"
    assert (await request_code(client, unknown)).status_code == 200
    assert_error(await request_code(client, unknown), 429, "too-many-requests")
    assert await count(client, OutboxMessage) == 0


async def test_nothing_is_created_before_the_code_is_verified(make_client):
    client = await make_client(**SMS)
    assert (await request_code(client, displayName="Squatter", metadata={"evil": True})).status_code == 200
    assert (await client.post("/v1/signup/passwordless/sms",
                              json={"phoneNumber": "+447911123456", "options": {"defaultRole": "me"}})).status_code \
        == 200
    assert await count(client, User) == 0
    code = await outbox_code(client)
    user = (await verify(client, code)).json()["session"]["user"]
    assert (user["displayName"], user["metadata"]) == ("Squatter", {"evil": True})
    assert await count(client, User) == 1


async def test_a_strangers_requests_do_not_lock_the_owner_out(make_client, limits_clock):
    """Five requests from elsewhere exhaust the number's budget for new IPs, not for an IP it signed in from."""
    client = await make_client(**SMS, sms_otp_resend_interval=0, sms_otp_max_per_hour=5, trusted_proxies="127.0.0.1",
                               ratelimit_enabled=True, ratelimit_sms="100/hour", ratelimit_signin="100/minute")
    owner_ip = {"x-forwarded-for": "10.0.0.1"}
    await client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE}, headers=owner_ip)
    assert (await client.post("/v1/signin/passwordless/sms/otp", json={"phoneNumber": PHONE,
                                                                         "otp": await outbox_code(client)},
                              headers=owner_ip)).status_code == 200
    stranger = {"x-forwarded-for": "10.9.9.9"}
    answers = [(await client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE},
                                  headers=stranger)).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the owner's own request counted in the number's budget
    again = await client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE}, headers=owner_ip)
    assert again.status_code == 200
    assert (await client.post("/v1/signin/passwordless/sms/otp", json={"phoneNumber": PHONE,
                                                                         "otp": await outbox_code(client)},
                              headers=owner_ip)).status_code == 200


async def test_sign_up_route(make_client):
    client = await make_client(**SMS, sms_otp_resend_interval=0)
    response = await client.post("/v1/signup/passwordless/sms",
                                 json={"phoneNumber": PHONE, "options": {"displayName": "New"}})
    assert response.status_code == 200
    user = (await verify(client, await outbox_code(client))).json()["session"]["user"]
    assert user["displayName"] == "New"
    # a registered number: the same answer, and (as long as an unknown number's) a sign-in code for its account
    again = await client.post("/v1/signup/passwordless/sms", json={"phoneNumber": PHONE,
                                                                   "options": {"displayName": "Ignored"}})
    assert again.status_code == 200
    assert again.json() == "OK"
    assert await count(client, OutboxMessage) == 2
    same = (await verify(client, await outbox_code(client))).json()["session"]["user"]
    assert (same["id"], same["displayName"]) == (user["id"], "New")
    assert await count(client, User) == 1


async def test_signup_disabled(make_client):
    client = await make_client(**SMS)
    await request_code(client)
    await verify(client, await outbox_code(client))  # a registered number
    client = await make_client(**SMS, disable_signup=True)
    assert_error(await client.post("/v1/signup/passwordless/sms", json={"phoneNumber": PHONE}), 403,
                 "signup-disabled")
    # sign-in: an unknown number gets the same "OK" as a known one, but no user and no SMS
    unknown = await request_code(client, "+447911123456")
    assert (unknown.status_code, unknown.json()) == (200, "OK")
    assert await count(client, User) == 1
    assert await count(client, OutboxMessage) == 1
    await shift_tickets(client, -timedelta(minutes=2))
    known = await request_code(client)
    assert (known.status_code, known.json()) == (200, "OK")
    assert await count(client, OutboxMessage) == 2


async def test_auto_signup_disabled(make_client):
    client = await make_client(**SMS, disable_auto_signup=True, sms_otp_resend_interval=0)
    assert (await request_code(client)).status_code == 200
    assert await count(client, User) == 0
    assert await count(client, OutboxMessage) == 0
    # the explicit sign-up route still registers
    assert (await client.post("/v1/signup/passwordless/sms", json={"phoneNumber": PHONE})).status_code == 200
    assert (await verify(client, await outbox_code(client))).status_code == 200


async def test_options_are_validated(make_client):
    client = await make_client(**SMS)
    assert_error(await request_code(client, allowedRoles=["admin"]), 400, "role-not-allowed")
    assert_error(await request_code(client, locale="xx"), 400, "locale-not-allowed")
    assert_error(await client.post("/v1/signin/passwordless/sms", json={"phoneNumber": PHONE, "extra": 1}), 400,
                 "invalid-request")
    assert await count(client, User) == 0


async def test_disabled_new_user_gets_no_session(make_client):
    client = await make_client(**SMS, disable_new_users=True)
    await request_code(client)
    assert_error(await verify(client, await outbox_code(client)), 401, "disabled-user")


# -- Twilio
def twilio_settings(receiver: HttpReceiver, **extra):
    return {**SMS, "sms_provider": "twilio", "twilio_account_sid": TWILIO_SID, "twilio_auth_token": TWILIO_TOKEN,
            "twilio_base_url": receiver.url, **extra}


async def test_twilio_request_is_exact(make_client, receiver):
    client = await make_client(**twilio_settings(receiver, twilio_from="+15005550006"))
    assert (await request_code(client)).status_code == 200
    [sent] = receiver.requests
    assert sent.method == "POST"
    assert sent.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    expected_auth = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected_auth}"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    form = sent.form()
    assert set(form) == {"To", "From", "Body"}
    assert form["To"] == [PHONE]
    assert form["From"] == ["+15005550006"]
    code = code_in(form["Body"][0])
    assert form["Body"] == [f"Your verification code is {code}"]
    assert await count(client, OutboxMessage) == 0  # real providers leave no copy of the code
    assert (await verify(client, code)).status_code == 200


async def test_twilio_messaging_service(make_client, receiver):
    client = await make_client(**twilio_settings(receiver, twilio_messaging_service_sid="MG0123",
                                                 sms_message_template="{code} is your Acme code"))
    assert (await request_code(client)).status_code == 200
    form = receiver.requests[0].form()
    assert set(form) == {"To", "MessagingServiceSid", "Body"}
    assert form["MessagingServiceSid"] == ["MG0123"]
    assert re.fullmatch(r"\d{6} is your Acme code", form["Body"][0])


async def test_twilio_refusal_leaves_nothing_behind(make_client, receiver):
    client = await make_client(**twilio_settings(receiver, twilio_from="+15005550006"))
    receiver.answer(400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400})
    assert_error(await request_code(client), 400, "cannot-send-sms")
    assert await count(client, User) == 0
    assert await count(client, Ticket) == 0
    assert len(receiver.requests) == 1


async def test_twilio_unreachable(make_client):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = await make_client(**SMS, sms_provider="twilio", twilio_account_sid=TWILIO_SID,
                               twilio_auth_token=TWILIO_TOKEN, twilio_from="+15005550006",
                               twilio_base_url=f"http://127.0.0.1:{port}")
    assert_error(await request_code(client), 400, "cannot-send-sms")
    assert await count(client, User) == 0


async def test_failed_resend_keeps_the_previous_code(make_client, receiver):
    client = await make_client(**twilio_settings(receiver, twilio_from="+15005550006", sms_otp_resend_interval=0))
    await request_code(client)
    first = code_in(receiver.requests[0].form()["Body"][0])
    receiver.answer(503, {"code": 20503, "message": "Service unavailable"})
    assert_error(await request_code(client), 400, "cannot-send-sms")
    assert (await verify(client, first)).status_code == 200


# -- webhook
async def test_webhook_request_is_signed(make_client, receiver):
    client = await make_client(**SMS, sms_provider="webhook", sms_webhook_url=f"{receiver.url}/hooks/sms",
                               sms_webhook_secret=WEBHOOK_SECRET)
    receiver.answer(204, {})
    assert (await request_code(client, locale="fr")).status_code == 200
    [sent] = receiver.requests
    assert sent.path == "/hooks/sms"
    assert sent.headers["content-type"] == "application/json"
    timestamp = sent.headers["x-authward-timestamp"]
    expected = hmac.new(WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + sent.body, hashlib.sha256).hexdigest()
    assert sent.headers["x-authward-signature"] == f"v1={expected}"
    payload = sent.json()
    assert set(payload) == {"to", "body", "code", "locale"}
    assert payload["to"] == PHONE
    assert payload["locale"] == "fr"
    assert payload["body"] == f"Your verification code is {payload['code']}"
    assert (await verify(client, payload["code"])).status_code == 200


async def test_webhook_failure(make_client, receiver):
    client = await make_client(**SMS, sms_provider="webhook", sms_webhook_url=receiver.url,
                               sms_webhook_secret=WEBHOOK_SECRET)
    receiver.answer(500, {"error": "down"})
    assert_error(await request_code(client), 400, "cannot-send-sms")
    assert await count(client, User) == 0


# -- settings
def test_provider_settings_are_checked(tmp_path):
    base = {"data_dir": tmp_path, "secret_key": "x" * 40}
    with pytest.raises(ValidationError, match="TWILIO_ACCOUNT_SID"):
        Settings(**base, sms_provider="twilio")
    with pytest.raises(ValidationError, match="TWILIO_FROM"):
        Settings(**base, sms_provider="twilio", twilio_account_sid="AC1", twilio_auth_token="t")
    with pytest.raises(ValidationError, match="SMS_WEBHOOK_URL"):
        Settings(**base, sms_provider="webhook", sms_webhook_url="https://example.com/hook")
    with pytest.raises(ValidationError, match="code"):
        Settings(**base, sms_message_template="no placeholder")
    with pytest.raises(ValidationError, match="code"):
        Settings(**base, sms_message_template="{code} {other}")
    with pytest.raises(ValidationError, match="country code"):
        Settings(**base, sms_default_region="XX")
    assert Settings(**base, sms_provider="twilio", twilio_account_sid="AC1", twilio_auth_token="t",
                    twilio_messaging_service_sid="MG1").sms.provider == "twilio"


async def test_prune_expired_codes(make_client):
    """The one ticket prune keeps a code a day past its expiry (the hourly send limit reads it), then drops it."""
    client = await make_client(**SMS)
    await request_code(client)

    async def prune() -> int:
        async with client.core.db.write() as session:
            return await client.core.tickets.prune(session)

    assert await prune() == 0
    assert await count(client, Ticket) == 1
    await shift_tickets(client, -timedelta(days=2), expires_at=True)
    await prune()  # (the runtime's own prune job may have run first: either way the code is gone)
    assert await count(client, Ticket) == 0



async def test_sms_sign_in_is_elevated_and_respects_mfa(make_client):
    client = await make_client(**SMS, sms_otp_resend_interval=0)
    await request_code(client)
    session = (await verify(client, await outbox_code(client))).json()["session"]
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    assert claims["https://hasura.io/jwt/claims"]["x-hasura-auth-elevated"] == claims["sub"]
    # with TOTP active, the code is a first factor only: an MFA ticket, no session
    async with client.core.db.write() as db_session:
        user = (await db_session.scalars(select(User))).one()
        user.active_mfa_type = "totp"
    await request_code(client)
    body = (await verify(client, await outbox_code(client))).json()
    assert body["session"] is None
    assert body["mfa"]["ticket"].startswith("mfaTotp:")
