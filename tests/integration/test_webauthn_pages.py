"""Passkeys on the hosted pages, in process: what the script posts, played by the software authenticator.

The browser itself (the script, the CSP, a CDP virtual authenticator) is tests/e2e/test_webauthn_browser.py.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from authward.api.pages.headers import CONTENT_SECURITY_POLICY
from authward.api.pages.texts_en import EN
from tests.integration.helpers import sign_up
from tests.integration.test_pages import alert_of, assert_code, hidden_fields, login_page_for, register, submit
from tests.integration.test_webauthn_routes import ORIGIN, WEBAUTHN, FakeClock
from tests.webauthn_authenticator import SoftAuthenticator

PASSKEY_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
               "img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'")


@pytest.fixture
async def browser(make_client: Any) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await make_client(**WEBAUTHN)
    assert (await sign_up(client)).status_code == 200  # ada@example.com, with a password
    return client


async def signed_in(browser: httpx.AsyncClient) -> None:
    login = await browser.get("/login")
    response = await submit(browser, login, "/login", email="ada@example.com", password="correct horse battery staple")
    assert response.status_code == 200 and "authward_session" in browser.cookies


async def add_passkey(browser: httpx.AsyncClient, authenticator: SoftAuthenticator, nickname: str = "") -> None:
    account = await browser.get("/account")
    fields = hidden_fields(account, "/account/passkeys/add")
    options = await browser.post("/account/passkeys/options", data={"csrf_token": fields["csrf_token"]})
    assert options.status_code == 200, options.text
    assert options.headers["content-type"] == "application/json"
    credential = authenticator.create(options.json())
    added = await browser.post("/account/passkeys/add", data={**fields, "credential": json.dumps(credential),
                                                              "nickname": nickname})
    assert added.status_code == 303, added.text
    assert added.headers["location"] == "/account?done=passkey-added"


async def test_the_login_page_offers_passkeys_with_its_script(browser: httpx.AsyncClient) -> None:
    login = await browser.get("/login")
    assert login.headers["content-security-policy"] == PASSKEY_CSP
    assert '<script src="/pages/webauthn.js?v=' in login.text and "<script>" not in login.text
    assert 'autocomplete="username webauthn"' in login.text  # the passkey autofill (conditional UI)
    assert EN["passkey_sign_in"] in login.text
    fields = hidden_fields(login, "/login/passkey")
    assert set(fields) == {"csrf_token", "credential"}
    script = await browser.get("/pages/webauthn.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "navigator.credentials.get" in script.text and "/login/passkey" in script.text
    # the other pages stay script-free
    for path in ("/signup", "/forgot-password"):
        other = await browser.get(path)
        assert other.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "<script" not in other.text


async def test_pages_without_webauthn_have_no_script(make_client: Any) -> None:
    plain = await make_client()
    login = await plain.get("/login")
    assert login.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "<script" not in login.text and 'autocomplete="username"' in login.text


async def test_add_a_passkey_then_sign_in_with_it_for_an_application(browser: httpx.AsyncClient) -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    await signed_in(browser)
    account = await browser.get("/account")
    assert account.headers["content-security-policy"] == PASSKEY_CSP
    assert EN["passkey_add"] in account.text and EN["no_passkeys"] in account.text
    await add_passkey(browser, authenticator, "Laptop")
    account = await browser.get("/account?done=passkey-added")
    assert EN["passkey_added"] in account.text and "Laptop" in account.text

    # a fresh browser, an application waiting: the passkey signs in and the request goes on
    browser.cookies.clear()
    app = await register(browser, first_party=True)
    login = await login_page_for(browser, app)
    options = (await browser.post("/signin/webauthn", json={})).json()
    answer = await submit(browser, login, "/login/passkey", credential=json.dumps(authenticator.get(options)))
    code = assert_code(answer, app)
    tokens = (await browser.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "https://rp.example.com/callback",
        "client_id": app.client_id, "code_verifier": app.verifier})).json()
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["amr"] == ["hwk"]
    assert "authward_session" in browser.cookies


async def test_a_refused_passkey_shows_the_form_again(browser: httpx.AsyncClient) -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    await signed_in(browser)
    await add_passkey(browser, authenticator)
    browser.cookies.clear()
    login = await browser.get("/login")
    options = (await browser.post("/signin/webauthn", json={})).json()
    bad = authenticator.get(options, origin="https://evil.example.net")
    answer = await submit(browser, login, "/login/passkey", credential=json.dumps(bad))
    assert answer.status_code == 400
    assert alert_of(answer) == EN["passkey_failed"]
    assert answer.headers["content-security-policy"] == PASSKEY_CSP
    junk = await submit(browser, await browser.get("/login"), "/login/passkey", credential="not json")
    assert junk.status_code == 400 and alert_of(junk) == EN["passkey_failed"]
    # without the CSRF token nothing happens
    forged = await browser.post("/login/passkey", data={"credential": json.dumps(authenticator.get(options))})
    assert forged.status_code == 403


async def test_a_passkey_only_account_cannot_remove_its_last_passkey(make_client: Any) -> None:
    browser = await make_client(email_passwordless_enabled=False, email_otp_enabled=False, **WEBAUTHN)
    authenticator = SoftAuthenticator(ORIGIN)
    started = (await browser.post("/signup/webauthn", json={"email": "ada@example.com"})).json()
    assert (await browser.post("/signup/webauthn/verify",
                               json={"credential": authenticator.create(started)})).status_code == 200
    login = await browser.get("/login")
    options = (await browser.post("/signin/webauthn", json={})).json()
    signed = await submit(browser, login, "/login/passkey", credential=json.dumps(authenticator.get(options)))
    assert signed.status_code == 200 and "ada@example.com" in signed.text  # the signed-in page
    account = await browser.get("/account")
    removed = await submit(browser, account, "/account/passkeys/remove")
    assert removed.status_code == 400 and alert_of(removed) == EN["passkey_last"]
    await add_passkey(browser, SoftAuthenticator(ORIGIN))
    account = await browser.get("/account")
    removed = await submit(browser, account, "/account/passkeys/remove")
    assert removed.status_code == 303 and urlsplit(removed.headers["location"]).query == "done=passkey-removed"


async def test_changing_passkeys_needs_a_recent_sign_in(make_client: Any) -> None:
    clock = FakeClock()
    browser = await make_client(clock=clock, **WEBAUTHN)
    assert (await sign_up(browser)).status_code == 200
    await signed_in(browser)
    account = await browser.get("/account")
    csrf = hidden_fields(account, "/account/passkeys/add")["csrf_token"]
    assert (await browser.post("/account/passkeys/options", data={"csrf_token": csrf})).status_code == 200
    clock.advance(3600)  # the login is an hour old: sign in again first
    stale = await browser.post("/account/passkeys/options", data={"csrf_token": csrf})
    assert stale.status_code == 401 and EN["passkey_sign_in_again"] in stale.text
