"""Phone-number change and deanonymization by SMS, through the Nhost routes, on both databases.

The SMS provider is `log`: the code is read from the outbox, as the SMS sign-in tests do.
"""

from __future__ import annotations

import uuid

import jwt
from sqlalchemy import select

from authward.storage.models import Ticket, User
from tests.integration.helpers import assert_error, session_for
from tests.integration.test_sms_otp_routes import outbox_code, request_code, verify

OLD = "+14155552671"
NEW = "+14155550123"
SMS = {"sms_passwordless_enabled": True, "email_verification_required": False, "sms_otp_resend_interval": 0}
NS = "https://hasura.io/jwt/claims"


def bearer(session: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


async def change(client, session: dict, phone: str = NEW):
    return await client.post("/v1/user/phone-number/change", json={"newPhoneNumber": phone}, headers=bearer(session))


async def confirm(client, session: dict, otp: str, phone: str = NEW):
    return await client.post("/v1/user/phone-number/change/verify", json={"newPhoneNumber": phone, "otp": otp},
                             headers=bearer(session))


async def user_row(client, user_id: str) -> User:
    async with client.core.db.read() as s:
        user = await s.get(User, uuid.UUID(user_id))
    assert user is not None
    return user


async def sms_user(client, phone: str) -> dict:
    assert (await request_code(client, phone)).status_code == 200
    response = await verify(client, await outbox_code(client, phone), phone)
    assert response.status_code == 200, response.text
    return response.json()["session"]


# -- phone-number change
async def test_change_sends_a_code_to_the_new_number_and_verify_takes_it(make_client):
    client = await make_client(**SMS)
    session = await session_for(client, "ada@example.com")
    response = await change(client, session, "+1 (415) 555-0123")
    assert response.status_code == 200 and response.json() == "OK", response.text
    code = await outbox_code(client, NEW)
    assert (await user_row(client, session["user"]["id"])).phone_number is None  # unchanged until verified

    assert_error(await confirm(client, session, "000000" if code != "000000" else "111111"), 400, "invalid-otp")
    ok = await confirm(client, session, code)
    assert ok.status_code == 200 and ok.json() == "OK", ok.text
    user = await user_row(client, session["user"]["id"])
    assert user.phone_number == NEW and user.phone_number_verified is True
    me = (await client.get("/v1/user", headers=bearer(session))).json()
    assert me["phoneNumber"] == NEW and me["phoneNumberVerified"] is True
    assert_error(await confirm(client, session, code), 400, "invalid-otp")  # single use

    # the new number signs in to the same user
    assert (await sms_user(client, NEW))["user"]["id"] == session["user"]["id"]


async def test_a_number_in_use_is_refused(make_client):
    client = await make_client(**SMS)
    await sms_user(client, NEW)
    session = await session_for(client, "ada@example.com")
    assert_error(await change(client, session), 409, "user-already-exists")


async def test_a_number_taken_between_request_and_verify_is_refused(make_client):
    client = await make_client(**SMS)
    session = await session_for(client, "ada@example.com")
    assert (await change(client, session)).status_code == 200
    code = await outbox_code(client, NEW)
    await sms_user(client, NEW)  # someone else signs up with the number meanwhile
    assert_error(await confirm(client, session, code), 409, "user-already-exists")
    assert (await user_row(client, session["user"]["id"])).phone_number is None


async def test_a_change_code_is_not_a_sign_in_code_nor_another_users(make_client):
    client = await make_client(**SMS)
    ada = await session_for(client, "ada@example.com")
    bob = await session_for(client, "bob@example.com")
    assert (await change(client, ada)).status_code == 200
    code = await outbox_code(client, NEW)
    assert_error(await verify(client, code, NEW), 400, "invalid-otp")  # not an SMS sign-in code
    assert_error(await confirm(client, bob, code), 400, "invalid-otp")  # not bob's change
    assert (await confirm(client, ada, code)).status_code == 200


async def test_change_needs_a_recent_or_elevated_sign_in(make_client):
    client = await make_client(**SMS, require_elevated_claim=True)
    session = await session_for(client, "ada@example.com")
    refreshed = (await client.post("/v1/token", json={"refreshToken": session["refreshToken"]})).json()
    assert_error(await change(client, refreshed), 401, "elevated-claim-required")
    assert_error(await confirm(client, refreshed, "123456"), 401, "elevated-claim-required")
    assert (await change(client, session)).status_code == 200  # a fresh sign-in is elevated
    assert_error(await client.post("/v1/user/phone-number/change", json={"newPhoneNumber": NEW}), 401,
                 "unauthenticated-user")


async def test_change_is_refused_without_sms_and_for_bad_numbers(make_client):
    off = await make_client(email_verification_required=False)
    session = await session_for(off, "ada@example.com")
    assert_error(await change(off, session), 409, "disabled-endpoint")
    assert_error(await confirm(off, session, "123456"), 409, "disabled-endpoint")
    client = await make_client(**SMS)
    session = await session_for(client, "bob@example.com")
    assert_error(await change(client, session, "not a number"), 400, "invalid-request")
    assert_error(await client.post("/v1/user/phone-number/change", json={"newPhoneNumber": NEW, "x": 1},
                                   headers=bearer(session)), 400, "invalid-request")


async def test_change_codes_are_rate_limited_per_number(make_client):
    client = await make_client(**{**SMS, "sms_otp_resend_interval": 60})
    session = await session_for(client, "ada@example.com")
    assert (await change(client, session)).status_code == 200
    assert_error(await change(client, session), 429, "too-many-requests")
    async with client.core.db.read() as s:
        assert len((await s.scalars(select(Ticket).where(Ticket.kind == "otpPhoneChange"))).all()) == 1


# -- deanonymize by SMS
async def anonymous(client) -> dict:
    response = await client.post("/v1/signin/anonymous", json={"metadata": {"cart": [1]}})
    assert response.status_code == 200, response.text
    return response.json()["session"]


async def test_deanonymize_by_sms_keeps_the_id_once_the_code_comes_back(make_client):
    client = await make_client(**SMS, anonymous_users_enabled=True)
    anon = await anonymous(client)
    response = await client.post("/v1/user/deanonymize/sms", headers=bearer(anon),
                                 json={"phoneNumber": NEW, "options": {"displayName": "Sam", "locale": "en"}})
    assert response.status_code == 200 and response.json() == "OK", response.text
    row = await user_row(client, anon["user"]["id"])
    assert row.is_anonymous is True and row.phone_number is None  # nothing changes before the code

    done = await verify(client, await outbox_code(client, NEW), NEW)
    assert done.status_code == 200, done.text
    user = done.json()["session"]["user"]
    assert user["id"] == anon["user"]["id"]
    assert user["isAnonymous"] is False and user["phoneNumber"] == NEW and user["phoneNumberVerified"] is True
    assert user["defaultRole"] == "user" and user["displayName"] == "Sam" and user["metadata"] == {"cart": [1]}
    claims = jwt.decode(done.json()["session"]["accessToken"], options={"verify_signature": False})
    assert claims[NS]["x-hasura-user-is-anonymous"] == "false" and claims["amr"] == ["sms"]


async def test_deanonymize_by_sms_refusals(make_client):
    client = await make_client(**SMS, anonymous_users_enabled=True)
    taken = await sms_user(client, OLD)
    anon = await anonymous(client)
    assert_error(await client.post("/v1/user/deanonymize/sms", json={"phoneNumber": OLD}, headers=bearer(anon)),
                 409, "user-already-exists")
    assert_error(await client.post("/v1/user/deanonymize/sms", json={"phoneNumber": NEW}, headers=bearer(taken)),
                 400, "user-not-anonymous")
    assert_error(await client.post("/v1/user/deanonymize/sms", json={"phoneNumber": NEW,
                                                                    "options": {"allowedRoles": ["admin"]}},
                                   headers=bearer(anon)), 400, "role-not-allowed")
    assert_error(await client.post("/v1/user/deanonymize/sms", json={"phoneNumber": NEW}), 401,
                 "unauthenticated-user")
    # the number is taken after the code was sent: the verification refuses, the user stays anonymous
    assert (await client.post("/v1/user/deanonymize/sms", json={"phoneNumber": NEW},
                              headers=bearer(anon))).status_code == 200
    code = await outbox_code(client, NEW)
    async with client.core.db.write() as s:
        (await s.get(User, uuid.UUID(taken["user"]["id"]))).phone_number = NEW
    assert_error(await verify(client, code, NEW), 409, "user-already-exists")
    assert (await user_row(client, anon["user"]["id"])).is_anonymous is True
    off = await make_client(anonymous_users_enabled=True, email_verification_required=False)
    assert_error(await off.post("/v1/user/deanonymize/sms", json={"phoneNumber": NEW},
                                headers=bearer(await anonymous(off))), 409, "disabled-endpoint")


async def test_the_phone_routes_are_in_the_per_ip_buckets(make_client):
    client = await make_client(**SMS, anonymous_users_enabled=True, ratelimit_enabled=True, ratelimit_sms="2/hour",
                               ratelimit_signin="1/minute")
    session = await session_for(client, "ada@example.com")
    assert (await change(client, session, "+14155550101")).status_code == 200
    anon = await anonymous(client)
    deanonymized = await client.post("/v1/user/deanonymize/sms", json={"phoneNumber": "+14155550102"},
                                     headers=bearer(anon))
    assert deanonymized.status_code == 200, deanonymized.text
    # the SMS bucket is spent: the next request that would text anyone is refused before it sends
    assert_error(await change(client, session, "+14155550103"), 429, "too-many-requests")
    # code checks count in the sign-in bucket
    assert_error(await confirm(client, session, "123456", "+14155550101"), 400, "invalid-otp")
    assert_error(await confirm(client, session, "123456", "+14155550101"), 429, "too-many-requests")
