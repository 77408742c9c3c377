"""AUTHWARD_CONCEAL_ERRORS (Nhost's AUTH_CONCEAL_ERRORS): sensitive codes answer one generic error."""

# ruff: noqa: F811 - pytest fixtures imported from tests.integration.conftest_mail

from __future__ import annotations

from authward.api.nhost.errors import SENSITIVE_CODES
from authward.errors import ErrorCode
from tests.integration.conftest_mail import mail_client, mail_server, mail_sink  # noqa: F401 - fixtures
from tests.integration.helpers import PASSWORD, assert_error, sign_up
from tests.integration.test_email_verification import follow

GENERIC = {"status": 400, "error": "invalid-request", "message": "The request payload is incorrect"}


def test_the_sensitive_codes_are_hasura_auths():
    assert {code.value for code in SENSITIVE_CODES} == {
        "disabled-user", "user-already-exists", "email-already-in-use", "email-already-verified",
        "forbidden-anonymous", "invalid-email-password", "invalid-pat", "role-not-allowed", "signup-disabled",
        "unverified-user", "invalid-refresh-token", "invalid-ticket", "disabled-mfa-totp", "invalid-totp",
        "invalid-otp", "otp-too-many-attempts", "no-totp-secret",
    }
    assert ErrorCode.REDIRECT_TO_NOT_ALLOWED not in SENSITIVE_CODES


async def test_off_by_default(make_client):
    client = await make_client(email_verification_required=False)
    await sign_up(client, "ada@example.com")
    assert_error(await sign_up(client, "ada@example.com"), 409, "email-already-in-use")
    wrong = await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": "nope!"})
    assert_error(wrong, 401, "invalid-email-password")


async def test_sensitive_errors_become_one_generic_answer(make_client):
    client = await make_client(email_verification_required=False, conceal_errors=True)
    await sign_up(client, "ada@example.com")
    for response in (
        await sign_up(client, "ada@example.com"),  # the address is taken: not told
        await client.post("/v1/signin/email-password", json={"email": "ada@example.com", "password": "nope!"}),
        await client.post("/v1/token", json={"refreshToken": "x" * 43}),
        await client.post("/v1/signin/pat", json={"personalAccessToken": "0b5f5d49-5f4d-4a46-9d7c-3a1c1f0b2c1d"}),
    ):
        assert response.status_code == 400, response.text
        assert response.json() == GENERIC
    # an answer that tells nothing about an account stays as it is
    assert_error(await sign_up(client, "b@example.com", redirectTo="https://evil.example.net"), 400,
                 "redirectTo-not-allowed")
    assert (await client.post("/v1/signin/email-password",
                              json={"email": "ada@example.com", "password": PASSWORD})).status_code == 200


async def test_the_verify_redirect_conceals_too(mail_client, mail_sink):
    client = await mail_client(conceal_errors=True)
    await sign_up(client, "ada@example.com")
    link = (await mail_sink.wait_for("ada@example.com")).link()
    _, first = await follow(client, link)
    assert "refreshToken" in first
    _, again = await follow(client, link)  # a used ticket: invalid-ticket, concealed
    assert again["error"] == "invalid-request"
    assert again["errorDescription"] == GENERIC["message"]
