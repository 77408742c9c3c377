"""The captcha on the hosted sign-up page, in-process, against a local siteverify server, both backends.

The page shows the provider's widget (its element with the site key, its script) under a CSP that allows
the provider's sources only while a captcha is on; the posted `<provider>-response` goes through the same
verifier as the API's tokens before the sign-up is attempted.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from authward.api.pages.texts_en import EN
from authward.storage.models import User
from tests.integration.helpers import PASSWORD
from tests.integration.test_pages import CSP, alert_of, hidden_fields, submit
from tests.receiver import HttpReceiver, running_receiver

SECRET = "captcha-test-secret"
SITE_KEY = "site-key-0123"
WIDGETS = {  # provider -> (element class, form field, default script, the sources its CSP adds)
    "recaptcha": ("g-recaptcha", "g-recaptcha-response", "https://www.google.com/recaptcha/api.js",
                  "script-src https://www.google.com/recaptcha/ https://www.gstatic.com/recaptcha/; "
                  "frame-src https://www.google.com/recaptcha/ https://recaptcha.google.com/recaptcha/; "),
    "hcaptcha": ("h-captcha", "h-captcha-response", "https://js.hcaptcha.com/1/api.js",
                 "script-src https://hcaptcha.com https://*.hcaptcha.com; "
                 "frame-src https://hcaptcha.com https://*.hcaptcha.com; "
                 "connect-src https://hcaptcha.com https://*.hcaptcha.com; "),
    "turnstile": ("cf-turnstile", "cf-turnstile-response", "https://challenges.cloudflare.com/turnstile/v0/api.js",
                  "script-src https://challenges.cloudflare.com; frame-src https://challenges.cloudflare.com; "),
}


@pytest.fixture
def siteverify() -> Iterator[HttpReceiver]:
    with running_receiver() as server:
        server.answer(200, {"success": True})
        yield server


def captcha(server: HttpReceiver, provider: str = "hcaptcha", **extra: object) -> dict[str, object]:
    return {"captcha_provider": provider, "captcha_secret": SECRET, "captcha_siteverify_url": server.url,
            "captcha_site_key": SITE_KEY, **extra}


async def users(client: httpx.AsyncClient) -> int:
    async with client.core.db.read() as s:  # type: ignore[attr-defined]
        return int(await s.scalar(select(func.count()).select_from(User)))


async def test_without_captcha_the_page_has_no_widget_and_no_script(client):
    page = await client.get("/signup")
    assert page.headers["content-security-policy"] == CSP
    assert "<script" not in page.text and "data-sitekey" not in page.text


@pytest.mark.parametrize("provider", sorted(WIDGETS))
async def test_the_page_carries_the_providers_widget_and_its_csp_allows_it(make_client, siteverify, provider):
    css_class, _, script, sources = WIDGETS[provider]
    client = await make_client(**captcha(siteverify, provider))
    page = await client.get("/signup")
    assert page.status_code == 200
    assert f'<div class="{css_class}" data-sitekey="{SITE_KEY}"></div>' in page.text
    assert f'<script src="{script}" async defer></script>' in page.text
    policy = page.headers["content-security-policy"]
    expected = CSP.replace("default-src 'none'; ", f"default-src 'none'; {sources}")
    if provider == "hcaptcha":  # hCaptcha's guide also lists its styles
        expected = expected.replace("style-src 'self'", "style-src 'self' https://hcaptcha.com https://*.hcaptcha.com")
    assert policy == expected
    login = await client.get("/login")  # the other pages stay script-free
    assert login.headers["content-security-policy"] == CSP and "<script" not in login.text


async def test_a_configured_widget_script_is_allowed_by_its_origin_alone(make_client, siteverify):
    client = await make_client(**captcha(siteverify, "turnstile",
                                         captcha_widget_script_url="https://captcha.example.net:8443/v0/api.js"))
    page = await client.get("/signup")
    assert '<script src="https://captcha.example.net:8443/v0/api.js" async defer></script>' in page.text
    assert page.headers["content-security-policy"] == CSP.replace(
        "default-src 'none'; ",
        "default-src 'none'; script-src https://captcha.example.net:8443; frame-src https://captcha.example.net:8443; ")


@pytest.mark.parametrize("provider", sorted(WIDGETS))
async def test_the_posted_widget_token_is_verified_before_the_sign_up(make_client, siteverify, provider):
    _, field, _, _ = WIDGETS[provider]
    client = await make_client(**captcha(siteverify, provider), email_verification_required=False)
    form = await client.get("/signup")

    missing = await submit(client, form, "/signup", email="ada@example.com", password=PASSWORD)
    assert missing.status_code == 400 and alert_of(missing) == EN["captcha_failed"]
    assert siteverify.requests == []  # no token: the provider is not asked
    assert 'value="ada@example.com"' in missing.text and f'data-sitekey="{SITE_KEY}"' in missing.text

    siteverify.answer(200, {"success": False, "error-codes": ["invalid-input-response"]})
    refused = await submit(client, form, "/signup", email="ada@example.com", password=PASSWORD, **{field: "bad"})
    assert refused.status_code == 400 and alert_of(refused) == EN["captcha_failed"]
    assert await users(client) == 0

    siteverify.answer(200, {"success": True})
    created = await submit(client, form, "/signup", email="ada@example.com", password=PASSWORD,
                           **{field: "widget-token"})
    assert created.status_code in (200, 303), created.text
    assert await users(client) == 1
    asked = siteverify.requests[-1].form()
    assert asked["secret"] == [SECRET] and asked["response"] == ["widget-token"]


async def test_an_unreachable_verifier_refuses_the_sign_up(make_client, siteverify):
    client = await make_client(**captcha(siteverify, captcha_siteverify_url="http://127.0.0.1:9/siteverify",
                                         captcha_timeout_seconds=2))
    form = await client.get("/signup")
    refused = await submit(client, form, "/signup", email="ada@example.com", password=PASSWORD,
                           **{"h-captcha-response": "token"})
    assert refused.status_code == 400 and alert_of(refused) == EN["captcha_failed"]
    assert await users(client) == 0
    assert "csrf_token" in hidden_fields(refused, "/signup")
