"""The SDK's PKCE exchange, phone-number change and SMS deanonymization against the real app, in process.

`AsyncAuthClient` runs over the test's ASGI transport (its flows are the sync client's too: one table,
client/api.py); the mailed link comes from a real SMTP sink, the texted code from the outbox.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

import pytest

from authward.client import AsyncAuthClient, Conflict, InvalidCredentials, InvalidRequest
from authward.client.oauth import code_challenge_s256, new_code_verifier
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink, settle  # noqa: F401 - fixtures
from tests.integration.test_email_verification import follow
from tests.integration.test_sms_otp_routes import outbox_code

NEW = "+14155550123"


def sdk_for(client) -> AsyncAuthClient:
    return AsyncAuthClient("http://testserver", http_client=client)


async def test_magic_link_with_pkce_then_exchange_code(mail_client, mail_sink):
    client = await mail_client()
    sdk = sdk_for(client)
    verifier = new_code_verifier()
    await sdk.sign_in_passwordless_email("ada@example.com", {"redirectTo": "https://app.example.com/cb"},
                                         code_challenge=code_challenge_s256(verifier))
    await settle(client)
    _, params = await follow(client, (await mail_sink.wait_for("ada@example.com")).link())
    payload = await sdk.exchange_code(params["code"], verifier)
    assert payload.session is not None and payload.session.user is not None
    assert (await sdk.get_user()).email == "ada@example.com"  # the exchanged session is stored
    with pytest.raises(InvalidRequest) as replayed:
        await sdk.token_exchange(params["code"], verifier)  # nhost-js's name, same flow
    assert replayed.value.error == "invalid-request"


async def test_reset_and_verification_take_a_code_challenge(mail_client, mail_sink):
    client = await mail_client()
    sdk = sdk_for(client)
    verifier = new_code_verifier()
    challenge = code_challenge_s256(verifier)
    signed_up = await sdk.sign_up_email_password("ada@example.com", "correct horse battery staple",
                                                 code_challenge=challenge)
    assert signed_up.session is None
    _, params = await follow(client, (await mail_sink.wait_for("ada@example.com")).link())
    assert params["type"] == "verifyEmail"
    assert (await sdk.exchange_code(params["code"], verifier)).session is not None
    second = new_code_verifier()
    await sdk.send_password_reset_email("ada@example.com", code_challenge=code_challenge_s256(second))
    await settle(client)
    _, reset = await follow(client, mail_sink.to("ada@example.com")[-1].link())
    assert reset["type"] == "passwordReset"
    assert (await sdk.exchange_code(reset["code"], second)).session is not None


async def test_change_phone_number(mail_client):
    client = await mail_client(email_verification_required=False, sms_passwordless_enabled=True)
    sdk = sdk_for(client)
    await sdk.sign_up_email_password("ada@example.com", "correct horse battery staple")
    await sdk.change_phone_number("+1 415 555 0123")
    code = await outbox_code(client, NEW)
    with pytest.raises(InvalidCredentials) as wrong:
        await sdk.verify_change_phone_number(NEW, "000000" if code != "000000" else "111111")
    assert wrong.value.error == "invalid-otp"
    await sdk.verify_change_phone_number(NEW, code)
    user = await sdk.get_user()
    assert user.phone_number == NEW and user.phone_number_verified is True
    other = sdk_for(client)
    await other.sign_up_email_password("bob@example.com", "correct horse battery staple")
    with pytest.raises(Conflict) as taken:
        await other.change_user_phone_number(NEW)
    assert taken.value.error == "user-already-exists"


async def test_deanonymize_sms(mail_client):
    client = await mail_client(email_verification_required=False, sms_passwordless_enabled=True,
                               anonymous_users_enabled=True)
    sdk = sdk_for(client)
    anon = (await sdk.sign_in_anonymous()).session
    assert anon is not None and anon.user is not None
    await sdk.deanonymize_sms(NEW, {"displayName": "Sam"})
    result = await sdk.verify_sign_in_passwordless_sms(NEW, await outbox_code(client, NEW))
    assert result.session is not None and result.session.user is not None
    user = result.session.user
    assert user.id == anon.user.id and user.is_anonymous is False and user.phone_number == NEW
    assert (await sdk.get_user()).display_name == "Sam"
