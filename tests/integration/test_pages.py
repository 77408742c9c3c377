"""The hosted pages (login, TOTP step, sign-up, reset, consent, account, logout) in-process, both backends.

A browser is an httpx client with its cookie jar; forms are read from the HTML (hidden fields, the CSRF
token) and posted back as a browser would, without following redirects.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pyotp
import pytest

from authward.api.pages.texts_en import EN
from authward.api.pages.texts_fr import FR
from authward.services.oauth.clients import ClientRegistry, ClientSpec
from tests.integration.conftest_mail import outbox_of, settle
from tests.integration.helpers import PASSWORD, session_for, sign_up

REDIRECT = "https://rp.example.com/callback"
AFTER_LOGOUT = "https://rp.example.com/bye"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; "
       "base-uri 'none'")
NEW_PASSWORD = "a brand new passphrase"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


# -- a browser
def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def hidden_fields(page: httpx.Response, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to `action`."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', page.text, re.S)
    assert match, f"no form to {action} in:\n{page.text}"
    return {name: html.unescape(value) for name, value in HIDDEN.findall(match.group(1))}


async def submit(browser: httpx.AsyncClient, page: httpx.Response, action: str, **fields: str) -> httpx.Response:
    return await browser.post(action, data={**hidden_fields(page, action), **fields})


def alert_of(page: httpx.Response) -> str:
    match = re.search(r'role="alert">([^<]*)<', page.text)
    assert match, page.text
    return html.unescape(match.group(1))


def assert_page_headers(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    if response.status_code != 303 and "css" not in headers.get("content-type", ""):
        assert headers["cache-control"] == "no-store"
        assert headers["content-type"].startswith("text/html")
        assert "<script" not in response.text and " style=" not in response.text and "<style" not in response.text


# -- the application side
class App:
    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(8)

    def authorize_path(self, scope: str = "openid profile email", **extra: str) -> str:
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        query = {"client_id": self.client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": scope,
                 "state": self.state, "code_challenge": challenge, "code_challenge_method": "S256", **extra}
        return f"/authorize?{urlencode(query)}"


async def register(browser: Any, *, first_party: bool = False, name: str = "Photo Printer",
                   logo_url: str | None = None) -> App:
    created = await browser.runtime.get(ClientRegistry).create(ClientSpec(
        name=name, redirect_uris=[REDIRECT], public=True, first_party=first_party, logo_url=logo_url,
        scopes=["openid", "profile", "email", "offline_access", "photos:read"],
        post_logout_redirect_uris=[AFTER_LOGOUT],
    ))
    return App(created.client.client_id)


async def start(browser: httpx.AsyncClient, app: App, **extra: str) -> httpx.Response:
    """GET /authorize; answers where it sends the browser (302)."""
    response = await browser.get(app.authorize_path(**extra))
    assert response.status_code == 302, response.text
    return response


async def login_page_for(browser: httpx.AsyncClient, app: App, **extra: str) -> httpx.Response:
    redirect = await start(browser, app, **extra)
    assert urlsplit(redirect.headers["location"]).path == "/login"
    page = await browser.get(path_of(redirect.headers["location"]))
    assert page.status_code == 200, page.text
    return page


async def sign_in(browser: httpx.AsyncClient, page: httpx.Response, email: str = "ada@example.com",
                  password: str = PASSWORD) -> httpx.Response:
    return await submit(browser, page, "/login", email=email, password=password)


def assert_code(response: httpx.Response, app: App) -> str:
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    params = query_of(location)
    assert params["state"] == app.state and params["iss"] == "http://127.0.0.1:4000"
    return params["code"]


async def redeem(browser: httpx.AsyncClient, app: App, code: str) -> dict[str, Any]:
    response = await browser.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": app.client_id,
        "code_verifier": app.verifier,
    })
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def browser(make_client: Any) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await make_client()
    assert (await sign_up(client)).status_code == 200
    return client


# -- the authorization code flow through the pages
async def test_third_party_login_consent_then_code(browser):
    app = await register(browser, logo_url="https://rp.example.com/logo.png")
    login = await login_page_for(browser, app, scope="openid profile email photos:read")
    assert_page_headers(login)
    assert 'autocomplete="username"' in login.text and 'autocomplete="current-password"' in login.text
    assert '<label for="email">' in login.text and login.text.count("<h1>") == 1
    assert "Photo Printer" in login.text

    consent_redirect = await sign_in(browser, login)
    assert consent_redirect.status_code == 303, consent_redirect.text
    assert urlsplit(consent_redirect.headers["location"]).path == "/consent"
    cookie = consent_redirect.headers["set-cookie"]
    assert "authward_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # the public URL is http here

    consent = await browser.get(path_of(consent_redirect.headers["location"]))
    assert consent.status_code == 200
    assert_page_headers(consent)
    assert "Allow Photo Printer to access your account?" in consent.text
    assert 'src="https://rp.example.com/logo.png"' in consent.text
    for text in (EN["scope_openid"], EN["scope_profile"], EN["scope_email"], "<code>photos:read</code>"):
        assert text in consent.text
    assert "ada@example.com" in consent.text

    code = assert_code(await submit(browser, consent, "/consent", decision="allow"), app)
    tokens = await redeem(browser, app, code)
    assert tokens["access_token"] and tokens["id_token"]

    # remembered: the next authorization goes straight back with a code
    assert_code(await start(browser, app, scope="openid profile email photos:read"), app)


async def test_a_first_party_client_skips_consent(browser):
    app = await register(browser, first_party=True)
    code = assert_code(await sign_in(browser, await login_page_for(browser, app)), app)
    await redeem(browser, app, code)


async def test_denying_sends_access_denied(browser):
    app = await register(browser)
    consent_redirect = await sign_in(browser, await login_page_for(browser, app))
    consent = await browser.get(path_of(consent_redirect.headers["location"]))
    denied = await submit(browser, consent, "/consent", decision="deny")
    assert denied.status_code == 303
    params = query_of(denied.headers["location"])
    assert params["error"] == "access_denied" and params["state"] == app.state and "code" not in params


async def test_cancelling_the_login_sends_access_denied(browser):
    app = await register(browser)
    cancelled = await submit(browser, await login_page_for(browser, app), "/login/cancel")
    assert query_of(cancelled.headers["location"])["error"] == "access_denied"


async def test_a_missing_or_wrong_csrf_token_is_refused(browser):
    app = await register(browser, first_party=True)
    login = await login_page_for(browser, app)
    cookie = login.headers["set-cookie"]
    assert "authward_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    fields = hidden_fields(login, "/login")
    assert fields["csrf_token"] == browser.cookies["authward_csrf"] and len(fields["csrf_token"]) == 43
    assert "set-cookie" not in (await browser.get("/signup")).headers  # the browser keeps its token
    for token in (None, "x" * 43, ""):
        data = {**fields, "email": "ada@example.com", "password": PASSWORD}
        data.pop("csrf_token")
        if token is not None:
            data["csrf_token"] = token
        refused = await browser.post("/login", data=data)
        assert refused.status_code == 403
        assert_page_headers(refused)
        assert EN["csrf_title"] in refused.text
        assert "authward_session" not in refused.headers.get("set-cookie", "")
    # without the cookie, the right field alone is refused too (another site cannot read the cookie)
    browser.cookies.delete("authward_csrf")
    refused = await browser.post("/login", data={**fields, "email": "ada@example.com", "password": PASSWORD})
    assert refused.status_code == 403
    # nothing happened: the request still waits for a login
    assert urlsplit((await start(browser, app)).headers["location"]).path == "/login"


async def test_wrong_password_and_unknown_email_read_the_same(browser):
    app = await register(browser)
    login = await login_page_for(browser, app)
    wrong = await sign_in(browser, login, password="not the password at all")
    unknown = await sign_in(browser, login, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert alert_of(wrong) == alert_of(unknown) == EN["invalid_credentials"]
    assert_page_headers(wrong)
    assert "not the password" not in wrong.text  # the password is never echoed
    assert "authward_session" not in wrong.headers.get("set-cookie", "")


async def test_an_unverified_user_is_told_why(make_client):
    browser = await make_client(email_verification_required=True)
    assert (await sign_up(browser, "eve@example.com")).status_code == 200
    app = await register(browser)
    refused = await sign_in(browser, await login_page_for(browser, app), email="eve@example.com")
    assert refused.status_code == 401 and alert_of(refused) == EN["unverified_user"]


# -- the TOTP step
class FakeClock:
    """~12 minutes in the past, on a TOTP step boundary: codes are computed for this time."""

    def __init__(self) -> None:
        self.now = datetime.fromtimestamp((int(time.time()) - 720) // 30 * 30 + 1, UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_user_with_totp_gets_the_second_step(make_client):
    clock = FakeClock()
    browser = await make_client(clock=clock)
    session = await session_for(browser, "mfa@example.com")
    bearer = {"Authorization": f"Bearer {session['accessToken']}"}
    secret = (await browser.get("/v1/mfa/totp/generate", headers=bearer)).json()["totpSecret"]
    activated = await browser.post("/v1/user/mfa", headers=bearer,
                                   json={"code": pyotp.TOTP(secret).at(clock.now), "activeMfaType": "totp"})
    assert activated.status_code == 200, activated.text
    clock.now += timedelta(seconds=30)

    app = await register(browser, first_party=True)
    step = await sign_in(browser, await login_page_for(browser, app), email="mfa@example.com")
    assert step.status_code == 200, step.text
    assert_page_headers(step)
    assert 'inputmode="numeric"' in step.text and 'autocomplete="one-time-code"' in step.text
    assert hidden_fields(step, "/login/mfa")["ticket"].startswith("mfaTotp:")
    assert "authward_session" not in step.headers.get("set-cookie", "")

    wrong = await submit(browser, step, "/login/mfa", otp="000000")
    assert wrong.status_code == 401 and alert_of(wrong) == EN["invalid_code"]
    code = assert_code(await submit(browser, wrong, "/login/mfa", otp=pyotp.TOTP(secret).at(clock.now)), app)
    await redeem(browser, app, code)


# -- sign-up
async def test_sign_up_with_verification_asks_to_check_the_mailbox(make_client):
    browser = await make_client(email_verification_required=True)
    app = await register(browser)
    login = await login_page_for(browser, app)
    request_id = hidden_fields(login, "/login")["request_id"]
    form = await browser.get(f"/signup?request_id={request_id}")
    assert form.status_code == 200
    assert_page_headers(form)
    assert 'autocomplete="new-password"' in form.text and 'minlength="12"' in form.text

    short = await submit(browser, form, "/signup", email="new@example.com", password="short")
    assert short.status_code == 400 and alert_of(short) == EN["password_too_short"].format(min=12)
    done = await submit(browser, form, "/signup", email="new@example.com", password=PASSWORD, display_name="Nu")
    assert done.status_code == 200, done.text
    assert EN["check_email_title"] in done.text and "new@example.com" in done.text
    assert "authward_session" not in done.headers.get("set-cookie", "")
    taken = await submit(browser, form, "/signup", email="new@example.com", password=PASSWORD)
    assert taken.status_code == 409 and alert_of(taken) == EN["email_in_use"]

    await settle(browser)
    [mail] = [m for m in await outbox_of(browser) if m.recipient == "new@example.com"]
    link = re.search(r"http://127\.0\.0\.1:4000/verify\?\S+", mail.body_text)
    assert link is not None
    assert query_of(link.group(0))["redirectTo"] == f"http://127.0.0.1:4000/login?request_id={request_id}"
    verified = await browser.get(path_of(link.group(0)))
    assert verified.status_code == 302, verified.text
    back = await browser.get(path_of(verified.headers["location"]))
    assert back.status_code == 200 and EN["email_verified"] in back.text
    assert hidden_fields(back, "/login")["request_id"] == request_id
    assert "authward_session" not in back.headers.get("set-cookie", "")  # the link's session is not taken up
    # a verification link followed after the request expired still lands on a sign-in form
    late = await browser.get("/login?request_id=00000000-0000-0000-0000-000000000000&type=verifyEmail")
    assert late.status_code == 200 and EN["email_verified"] in late.text
    consent = await sign_in(browser, back, email="new@example.com")
    assert consent.status_code == 303 and urlsplit(consent.headers["location"]).path == "/consent"


async def test_sign_up_without_verification_signs_in_and_goes_on(browser):
    app = await register(browser)
    login = await login_page_for(browser, app)
    form = await browser.get(f"/signup?request_id={hidden_fields(login, '/login')['request_id']}")
    created = await submit(browser, form, "/signup", email="grace@example.com", password=PASSWORD)
    assert created.status_code == 303, created.text
    assert urlsplit(created.headers["location"]).path == "/consent"
    assert "authward_session=" in created.headers["set-cookie"]


# -- forgotten password
async def test_forgot_then_reset_the_password(browser):
    form = await browser.get("/forgot-password")
    assert_page_headers(form)
    known = await submit(browser, form, "/forgot-password", email="ada@example.com")
    unknown = await submit(browser, form, "/forgot-password", email="nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ada@example.com", "X") == unknown.text.replace("nobody@example.com", "X")
    await settle(browser)
    [mail] = [m for m in await outbox_of(browser) if m.recipient == "ada@example.com"]
    link = re.search(r"http://127\.0\.0\.1:4000/verify\?\S+", mail.body_text)
    assert link is not None

    landed = await browser.get(path_of(link.group(0)))
    assert landed.status_code == 302, landed.text
    assert urlsplit(landed.headers["location"]).path == "/reset-password"
    reset = await browser.get(path_of(landed.headers["location"]))
    assert reset.status_code == 200, reset.text
    assert_page_headers(reset)
    differ = await submit(browser, reset, "/reset-password", password=NEW_PASSWORD, password_confirm="other")
    assert differ.status_code == 400 and alert_of(differ) == EN["passwords_differ"]
    changed = await submit(browser, reset, "/reset-password", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    assert changed.status_code == 200 and EN["reset_done_title"] in changed.text
    # the link's session is gone with every other one
    again = await submit(browser, reset, "/reset-password", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    assert again.status_code == 400 and EN["link_expired_title"] in again.text

    login = await browser.get("/login")
    assert (await sign_in(browser, login)).status_code == 401
    signed_in = await sign_in(browser, login, password=NEW_PASSWORD)
    assert signed_in.status_code == 200 and EN["signed_in_title"] in signed_in.text


# -- sign-out, account
async def test_logout_ends_the_login_session(browser):
    app = await register(browser, first_party=True)
    assert_code(await sign_in(browser, await login_page_for(browser, app)), app)
    assert_code(await start(browser, app), app)  # signed in: straight back

    hinted = await browser.get(f"/oidc/logout?client_id={app.client_id}&state=s1&"
                               f"post_logout_redirect_uri={AFTER_LOGOUT}")
    assert hinted.status_code == 302 and urlsplit(hinted.headers["location"]).path == "/logout"
    confirm = await browser.get(path_of(hinted.headers["location"]))
    assert confirm.status_code == 200 and EN["logout_title"] in confirm.text
    assert_page_headers(confirm)
    fields = hidden_fields(confirm, "/logout")
    assert fields["post_logout_redirect_uri"] == AFTER_LOGOUT and fields["client_id"] == app.client_id

    out = await submit(browser, confirm, "/logout")
    assert out.status_code == 303 and out.headers["location"] == f"{AFTER_LOGOUT}?state=s1"
    assert 'authward_session=""' in out.headers["set-cookie"]
    assert urlsplit((await start(browser, app)).headers["location"]).path == "/login"


async def test_logout_never_goes_to_an_unregistered_uri(browser):
    app = await register(browser, first_party=True)
    assert_code(await sign_in(browser, await login_page_for(browser, app)), app)
    confirm = await browser.get(f"/logout?client_id={app.client_id}&post_logout_redirect_uri=https://evil.test/")
    out = await submit(browser, confirm, "/logout")
    assert out.status_code == 303 and out.headers["location"] == "/logout?done=1"
    done = await browser.get("/logout?done=1")
    assert done.status_code == 200 and EN["signed_out_title"] in done.text
    assert urlsplit((await start(browser, app)).headers["location"]).path == "/login"


async def test_the_account_page_lists_and_revokes_a_consent(browser):
    assert (await browser.get("/account")).headers["location"] == "/login"
    app = await register(browser)
    consent_redirect = await sign_in(browser, await login_page_for(browser, app))
    consent = await browser.get(path_of(consent_redirect.headers["location"]))
    assert_code(await submit(browser, consent, "/consent", decision="allow"), app)

    account = await browser.get("/account")
    assert account.status_code == 200
    assert_page_headers(account)
    assert "Photo Printer" in account.text and "ada@example.com" in account.text
    assert hidden_fields(account, "/account/consents/revoke")["client_id"] == app.client_id
    revoked = await submit(browser, account, "/account/consents/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/account?revoked=1"
    after = await browser.get("/account")
    assert EN["no_consents"] in after.text and EN["consent_revoked"] not in after.text
    assert EN["consent_revoked"] in (await browser.get("/account?revoked=1")).text
    # still signed in, but the application must ask again
    assert urlsplit((await start(browser, app)).headers["location"]).path == "/consent"


async def test_a_signed_in_browser_may_continue_as_itself(browser):
    app = await register(browser, first_party=True)
    login = await login_page_for(browser, app)
    assert EN["continue_as"].format(email="ada@example.com") not in login.text
    signed_in = await sign_in(browser, await browser.get("/login"))  # another tab, no request
    assert signed_in.status_code == 200 and "ada@example.com" in signed_in.text
    again = await browser.get(path_of(f"/login?request_id={hidden_fields(login, '/login')['request_id']}"))
    assert EN["continue_as"].format(email="ada@example.com") in again.text
    assert_code(await submit(browser, again, "/login/continue"), app)


async def test_prompt_login_asks_again_without_continue(make_client):
    clock = FakeClock()
    browser = await make_client(clock=clock)
    assert (await sign_up(browser)).status_code == 200
    app = await register(browser, first_party=True)
    assert_code(await sign_in(browser, await login_page_for(browser, app)), app)
    clock.now += timedelta(minutes=1)
    login = await login_page_for(browser, app, prompt="login")
    assert "/login/continue" not in login.text
    assert_code(await sign_in(browser, login), app)


# -- headers, errors, language, brand
async def test_every_page_carries_the_security_headers(browser):
    for path in ("/login", "/signup", "/forgot-password", "/reset-password?refreshToken=nope", "/logout",
                 "/logout?done=1", "/consent?request_id=nope", "/login?request_id=nope", "/account",
                 "/pages/style.css", "/pages/nothing-here"):
        response = await browser.get(path)
        assert_page_headers(response)
    assert (await browser.get("/reset-password?refreshToken=nope")).status_code == 400


async def test_errors_on_the_pages_are_html_and_the_api_keeps_json(browser):
    expired = await browser.get("/consent?request_id=00000000-0000-0000-0000-000000000000")
    assert expired.status_code == 404 and EN["request_expired_title"] in expired.text
    missing = await browser.get("/pages/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    wrong_method = await browser.put("/login")
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"].startswith("text/html")
    assert_page_headers(wrong_method)
    api = await browser.post("/signup/email-password", json={"email": "ada@example.com", "password": PASSWORD})
    assert api.status_code == 409 and api.json()["error"] == "email-already-in-use"


async def test_french_from_accept_language_or_ui_locales(browser):
    french = await browser.get("/login", headers={"Accept-Language": "de-DE, fr;q=0.8, en;q=0.5"})
    assert '<html lang="fr">' in french.text and f"<h1>{html.escape(FR['login_title'])}</h1>" in french.text
    english = await browser.get("/login", headers={"Accept-Language": "en-GB,fr;q=0.9"})
    assert '<html lang="en">' in english.text
    app = await register(browser)
    login = await login_page_for(browser, app, ui_locales="fr-CA en")
    assert '<html lang="fr">' in login.text
    refused = await sign_in(browser, login, password="not the password at all")
    assert alert_of(refused) == FR["invalid_credentials"]
    expired_form = await browser.post("/login", data={"email": "ada@example.com"}, headers={"Accept-Language": "fr"})
    assert expired_form.status_code == 403 and f"<h1>{FR['csrf_title']}</h1>" in expired_form.text
    forgot = await browser.get("/forgot-password", headers={"Accept-Language": "fr"})
    assert FR["forgot_intro"] in html.unescape(forgot.text)


async def test_the_brand_comes_from_the_settings(make_client):
    browser = await make_client(pages_app_name="Acme ID", pages_primary_color="#ffcc00",
                                pages_logo_url="https://cdn.acme.test/logo.png")
    page = await browser.get("/login")
    assert "<title>Sign in \u2013 Acme ID</title>" in page.text
    assert 'src="https://cdn.acme.test/logo.png"' in page.text
    style_url = re.search(r'<link rel="stylesheet" href="([^"]+)">', page.text)
    assert style_url is not None
    css = await browser.get(html.unescape(style_url.group(1)))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "--primary:#ffcc00" in css.text and "--on-primary:#1f2328" in css.text  # dark text on yellow


def test_french_has_every_english_text():
    assert set(FR) == set(EN)
    for key, text in EN.items():
        assert re.findall(r"{(\w+)}", text) == re.findall(r"{(\w+)}", FR[key]), key
