"""Captcha on sign-up and passwordless starts, against a local siteverify server, on SQLite and PostgreSQL.

One verifier for reCAPTCHA, hCaptcha and Turnstile; the token from the `x-captcha-token` header, the body's
`captchaToken`, or balena's `g-recaptcha-response` (taken out of the body before the route reads it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from authward.storage.models import User
from tests.integration.helpers import PASSWORD, assert_error
from tests.receiver import HttpReceiver, running_receiver

SECRET = "captcha-test-secret"


@pytest.fixture
def siteverify() -> Iterator[HttpReceiver]:
    with running_receiver() as server:
        server.answer(200, {"success": True})
        yield server


def captcha(server: HttpReceiver, provider: str = "hcaptcha", **extra):
    return {"captcha_provider": provider, "captcha_secret": SECRET, "captcha_siteverify_url": server.url,
            "email_verification_required": False, **extra}


async def users(client) -> int:
    async with client.core.db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(User)))


async def test_off_by_default(client, siteverify):
    ok = await client.post("/v1/signup/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert ok.status_code == 200
    assert siteverify.requests == []


@pytest.mark.parametrize("provider", ["recaptcha", "hcaptcha", "turnstile"])
async def test_sign_up_needs_a_token_the_provider_accepts(make_client, siteverify, provider):
    client = await make_client(**captcha(siteverify, provider), trusted_proxies="127.0.0.1")
    body = {"email": "ada@example.com", "password": PASSWORD}
    assert_error(await client.post("/v1/signup/email-password", json=body), 400, "invalid-captcha")
    assert siteverify.requests == []  # no token: the provider is not asked
    siteverify.answer(200, {"success": False, "error-codes": ["invalid-input-response"]})
    assert_error(await client.post("/v1/signup/email-password", json=body, headers={"x-captcha-token": "bad"}),
                 400, "invalid-captcha")
    assert await users(client) == 0
    siteverify.answer(200, {"success": True})
    ok = await client.post("/v1/signup/email-password", json=body,
                           headers={"x-captcha-token": "good-token", "x-forwarded-for": "203.0.113.9"})
    assert ok.status_code == 200, ok.text
    asked = siteverify.requests[-1]
    assert asked.method == "POST" and asked.form() == {"secret": [SECRET], "response": ["good-token"],
                                                       "remoteip": ["203.0.113.9"]}


async def test_the_token_in_the_body_is_taken_out_before_the_route_reads_it(make_client, siteverify):
    client = await make_client(**captcha(siteverify))
    for field in ("g-recaptcha-response", "captchaToken"):
        response = await client.post("/v1/signup/email-password",
                                     json={"email": f"{field.lower()}@example.com", "password": PASSWORD,
                                           field: f"token-{field}"})
        assert response.status_code == 200, response.text  # the strict body model never saw the member
        assert siteverify.requests[-1].form()["response"] == [f"token-{field}"]


async def test_passwordless_starts_are_gated_on_every_face(make_client, siteverify):
    client = await make_client(**captcha(siteverify), sms_passwordless_enabled=True)
    starts = [
        ("/v1/signin/passwordless/email", {"email": "ada@example.com"}),
        ("/v1/signin/otp/email", {"email": "ada@example.com"}),
        ("/v1/signup/otp/email", {"email": "ada@example.com"}),
        ("/v1/signin/passwordless/sms", {"phoneNumber": "+14155552671"}),
        ("/passwordless/start", {"client_id": "x", "connection": "email", "email": "ada@example.com"}),
        ("/dbconnections/signup", {"client_id": "x", "connection": "Username-Password-Authentication",
                                   "email": "ada@example.com", "password": PASSWORD}),
    ]
    for path, body in starts:
        refused = await client.post(path, json=body)
        assert refused.status_code == 400, (path, refused.text)
        assert "captcha" in refused.text, path
    # the OAuth/Auth0 face answers in its own format
    auth0 = await client.post("/dbconnections/signup", json=starts[-1][1])
    assert "error" in auth0.json()
    passed = await client.post("/v1/signin/otp/email", json={"email": "ada@example.com"},
                               headers={"x-captcha-token": "t"})
    assert passed.status_code == 200


async def test_a_low_recaptcha_v3_score_is_refused(make_client, siteverify):
    client = await make_client(**captcha(siteverify, "recaptcha", captcha_min_score=0.5))
    siteverify.answer(200, {"success": True, "score": 0.2})
    assert_error(await client.post("/v1/signin/otp/email", json={"email": "a@example.com"},
                                   headers={"x-captcha-token": "t"}), 400, "invalid-captcha")
    siteverify.answer(200, {"success": True, "score": 0.9})
    assert (await client.post("/v1/signin/otp/email", json={"email": "a@example.com"},
                              headers={"x-captcha-token": "t"})).status_code == 200


async def test_an_unreachable_verifier_refuses(make_client):
    with running_receiver() as down:
        url = down.url
    client = await make_client(captcha_provider="turnstile", captcha_secret=SECRET, captcha_siteverify_url=url,
                               captcha_timeout_seconds=1)
    assert_error(await client.post("/v1/signin/otp/email", json={"email": "a@example.com"},
                                   headers={"x-captcha-token": "t"}), 400, "invalid-captcha")


async def test_other_routes_are_not_gated(make_client, siteverify):
    client = await make_client(**captcha(siteverify))
    assert_error(await client.post("/v1/signin/email-password", json={"email": "a@example.com", "password": "x" * 12}),
                 401, "invalid-email-password")
    assert siteverify.requests == []


def test_a_provider_needs_a_secret():
    from pydantic import ValidationError

    from authward.settings import Settings

    with pytest.raises(ValidationError, match="CAPTCHA_SECRET"):
        Settings(captcha_provider="hcaptcha")
