"""The hosted pages in a real Chromium (Playwright), against the real server process.

A third-party client redirects to a tiny HTTP server of the test (the relying party's callback). In
the browser: /authorize -> /login (email, password; the TOTP step for a user with TOTP) -> /consent ->
Allow -> the callback gets code, state and iss; the code is exchanged with httpx at /oauth/token. Also
sign-up and the forgotten password through the pages (the link read from GET /dev/outbox).

The browser is Debian's `chromium` (/usr/bin/chromium; `.ci/run` installs it), driven by the Python
`playwright` package (a dev dependency): Playwright's own browser downloads are never used. Without
either, the tests skip locally and fail in CI. A screenshot of every page visited goes to the test's
tmp_path (`screenshots/NN-name.png`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pyotp
import pytest

from tests.e2e.conftest import LiveServer, ServerFactory
from tests.e2e.test_openid_client import create_client
from tests.support import IN_CI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("AUTHWARD_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"
SCOPES = ["openid", "profile", "email"]


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package `playwright` is not installed: run `uv sync --all-extras` (make test does)"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and shutil.which(CHROMIUM) is None:
        return f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does), or set AUTHWARD_TEST_CHROMIUM"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright (skips locally without it; fails in CI)."""
    missing = _missing_browser()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    args = ["--disable-dev-shm-usage", "--disable-gpu"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Screenshots:
    directory: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Page, name: str) -> Path:
        path = self.directory / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def shot(tmp_path: Path) -> Screenshots:
    directory = tmp_path / "screenshots"
    directory.mkdir()
    return Screenshots(directory)


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test."""
    context = chromium.new_context(locale="en-US", viewport={"width": 1000, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory) -> LiveServer:
    """A server in dev mode (GET /dev/outbox holds the reset links), on SQLite."""
    return server_factory(dev_mode=True)


# -- the relying party's callback: a tiny HTTP server recording what the browser brings back
class CallbackRecorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/callback":  # the browser's /favicon.ico
                    self.send_error(404)
                    return
                recorder.calls.append({k: v[0] for k, v in parse_qs(parts.query).items()})
                body = b"<!doctype html><title>callback</title><h1>Callback received</h1>"
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/callback"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, state: str) -> dict[str, str]:
        """The callback's query for the request of this `state` (the browser is there: it arrived)."""
        answers = [call for call in self.calls if call.get("state") == state]
        assert len(answers) == 1, f"callbacks for state {state}: {answers} (all: {self.calls})"
        return answers[0]

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture(scope="module")
def callback() -> Iterator[CallbackRecorder]:
    recorder = CallbackRecorder()
    yield recorder
    recorder.close()


@pytest.fixture(scope="module")
def third_party(server: LiveServer, callback: CallbackRecorder) -> dict[str, str]:
    """A confidential, third-party client (users are asked for consent) redirecting to the recorder."""
    created = create_client(server, "--name", "Browser RP", "--redirect-uri", callback.url,
                            "--grant", "authorization_code", "--grant", "refresh_token",
                            "--scope", "openid", "--scope", "profile", "--scope", "email")
    return created


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    state: str
    nonce: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        return cls(verifier, challenge, secrets.token_urlsafe(16), secrets.token_urlsafe(16))


def authorize_url(server: LiveServer, client_id: str, redirect_uri: str, pkce: Pkce,
                  scope: str = "openid profile email") -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
             "state": pkce.state, "nonce": pkce.nonce, "code_challenge": pkce.challenge,
             "code_challenge_method": "S256"}
    return f"{server.url}/authorize?{urlencode(query)}"


# -- the tests
def test_chromium_opens_the_discovery_document(server: LiveServer, page: Page, shot: Screenshots) -> None:
    response = page.goto(f"{server.url}/.well-known/openid-configuration")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    shot(page, "discovery")
    metadata = json.loads(page.locator("body").inner_text())
    assert metadata["issuer"] == server.env["AUTHWARD_PUBLIC_URL"]
    assert metadata["authorization_endpoint"] == f"{server.url}/authorize"
    assert shot.taken[0].stat().st_size > 1000


def test_authorize_sends_the_browser_to_the_login_page(
    server: LiveServer, third_party: dict[str, str], callback: CallbackRecorder, page: Page, shot: Screenshots
) -> None:
    page.goto(authorize_url(server, third_party["client_id"], callback.url, Pkce.new()))
    landed = urlsplit(page.url)
    shot(page, "login")
    assert f"{landed.scheme}://{landed.netloc}" == server.url
    assert landed.path == "/login"
    assert "request_id" in parse_qs(landed.query)


def test_unregistered_redirect_uri_is_an_error_page_not_a_redirect(
    server: LiveServer, third_party: dict[str, str], page: Page, shot: Screenshots
) -> None:
    response = page.goto(authorize_url(server, third_party["client_id"], "https://evil.example/cb", Pkce.new()))
    assert response is not None and response.status == 400
    assert urlsplit(page.url).netloc == urlsplit(server.url).netloc  # the browser stayed with us
    shot(page, "authorize-error")
    assert "redirect_uri" in page.locator("body").inner_text()


# -- the server side of the flows: users through the Nhost face, the outbox, the token endpoint
def unique_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}@example.com"


def sign_up_user(server: LiveServer, email: str, *, totp: bool = False) -> pyotp.TOTP | None:
    """A user with a password (and, `totp`, TOTP activated); the TOTP of its secret."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        signed_up = http.post("/signup/email-password", json={"email": email, "password": PASSWORD})
        assert signed_up.status_code == 200, signed_up.text
        if not totp:
            return None
        auth = {"authorization": f"Bearer {signed_up.json()['session']['accessToken']}"}
        secret = http.get("/mfa/totp/generate", headers=auth).json()["totpSecret"]
        otp = pyotp.TOTP(secret)
        activated = http.post("/user/mfa", json={"code": otp.now(), "activeMfaType": "totp"}, headers=auth)
        assert activated.status_code == 200, activated.text
        return otp


def fresh_totp_code(otp: pyotp.TOTP) -> str:
    """A code of a time step no earlier use took (activation used the current one: a replay is refused)."""
    return otp.at(time.time() + otp.interval)


def outbox_link(server: LiveServer, to: str, pattern: str = r"(https?://\S+/verify\?\S+)") -> str:
    deadline = time.monotonic() + 10
    while True:
        messages = httpx.get(f"{server.url}/dev/outbox", params={"to": to}, timeout=10).json()["messages"]
        for message in messages:
            found = re.search(pattern, message.get("text") or "")
            if found:
                return found.group(1)
        assert time.monotonic() < deadline, f"no outbox message to {to} matching {pattern}: {messages}"
        time.sleep(0.1)


def exchange_code(server: LiveServer, client: dict[str, str], code: str, redirect_uri: str, pkce: Pkce
                  ) -> httpx.Response:
    return httpx.post(f"{server.url}/oauth/token", auth=(client["client_id"], client["client_secret"]), timeout=30,
                      data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                            "code_verifier": pkce.verifier})


def verified_id_token(server: LiveServer, client_id: str, id_token: str) -> dict[str, Any]:
    """The ID token's claims, its signature checked with the server's JWKS."""
    key = jwt.PyJWKClient(f"{server.url}/.well-known/jwks.json").get_signing_key_from_jwt(id_token)
    claims: dict[str, Any] = jwt.decode(id_token, key.key, algorithms=[jwt.get_unverified_header(id_token)["alg"]],
                                        audience=client_id, issuer=server.env["AUTHWARD_PUBLIC_URL"])
    return claims


def at_path(page: Page, path: str) -> dict[str, list[str]]:
    """The page is our `path`; its query."""
    url = urlsplit(page.url)
    assert url.path == path, f"expected {path}, the browser is at {page.url}: {page.locator('main').inner_text()}"
    return parse_qs(url.query)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def allow(page: Page, shot: Screenshots, client_name: str, email: str) -> None:
    at_path(page, "/consent")
    assert page.get_by_role("heading", level=1).inner_text() == f"Allow {client_name} to access your account?"
    text = page.locator("main").inner_text()
    assert f"You are signed in as {email}." in text
    for line in ("Know who you are", "See your name, profile picture and language", "See your email address"):
        assert line in text
    shot(page, "consent")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_load_state()


def assert_code_callback(server: LiveServer, callback: CallbackRecorder, page: Page, pkce: Pkce) -> str:
    """The browser is at the client's callback with a code for this request; the code."""
    assert page.url.startswith(f"{callback.url}?"), page.url
    answer = callback.answer(pkce.state)
    assert "error" not in answer, answer
    assert answer["iss"] == server.env["AUTHWARD_PUBLIC_URL"]  # RFC 9207
    assert answer["code"]
    return answer["code"]


def assert_tokens(server: LiveServer, client: dict[str, str], response: httpx.Response, pkce: Pkce,
                  email: str) -> dict[str, Any]:
    """A token answer for this user and request; the ID token's verified claims."""
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"].split() == SCOPES
    assert tokens["expires_in"] > 0
    assert tokens["refresh_token"]
    claims = verified_id_token(server, client["client_id"], tokens["id_token"])
    assert claims["nonce"] == pkce.nonce
    assert claims["email"] == email
    access = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert access["sub"] == claims["sub"]
    assert access["client_id"] == client["client_id"]
    userinfo = httpx.get(f"{server.url}/userinfo", headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["sub"] == claims["sub"]
    assert userinfo.json()["email"] == email
    return claims


def test_login_consent_and_code(server: LiveServer, third_party: dict[str, str], callback: CallbackRecorder,
                                page: Page, shot: Screenshots) -> None:
    email = unique_email("browser")
    sign_up_user(server, email)
    pkce = Pkce.new()
    page.goto(authorize_url(server, third_party["client_id"], callback.url, pkce))
    at_path(page, "/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert "Sign in to continue to Browser RP." in page.locator("main").inner_text()
    shot(page, "login")

    sign_in(page, email, "not the password")  # a wrong password: the form again, with the message
    at_path(page, "/login")
    assert page.get_by_role("alert").inner_text() == "Incorrect email address or password."
    assert page.get_by_label("Email address").input_value() == email
    shot(page, "login-wrong-password")

    sign_in(page, email)
    allow(page, shot, "Browser RP", email)
    code = assert_code_callback(server, callback, page, pkce)
    shot(page, "callback")
    claims = assert_tokens(server, third_party, exchange_code(server, third_party, code, callback.url, pkce), pkce,
                           email)
    assert claims["amr"] == ["pwd"]

    # the same browser again: signed in (cookie) and consent on record, so straight back with a code
    again = Pkce.new()
    page.goto(authorize_url(server, third_party["client_id"], callback.url, again))
    second = assert_code_callback(server, callback, page, again)
    assert second != code
    assert exchange_code(server, third_party, second, callback.url, again).status_code == 200
    # the code is single-use
    replay = exchange_code(server, third_party, code, callback.url, pkce)
    assert replay.status_code == 403 and replay.json()["error"] == "invalid_grant"


def test_totp_step(server: LiveServer, third_party: dict[str, str], callback: CallbackRecorder, page: Page,
                   shot: Screenshots) -> None:
    email = unique_email("browser-totp")
    otp = sign_up_user(server, email, totp=True)
    assert otp is not None
    pkce = Pkce.new()
    page.goto(authorize_url(server, third_party["client_id"], callback.url, pkce))
    sign_in(page, email)
    at_path(page, "/login")  # the TOTP step is the answer to the password form's POST
    assert page.get_by_role("heading", level=1).inner_text() == "Two-step verification"
    shot(page, "totp")

    page.get_by_label("Verification code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("alert").inner_text() == "This code is not valid. Enter the current code from your app."
    shot(page, "totp-wrong-code")

    page.get_by_label("Verification code").fill(fresh_totp_code(otp))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    allow(page, shot, "Browser RP", email)
    code = assert_code_callback(server, callback, page, pkce)
    claims = assert_tokens(server, third_party, exchange_code(server, third_party, code, callback.url, pkce), pkce,
                           email)
    assert set(claims["amr"]) >= {"pwd", "otp", "mfa"}


def test_deny_sends_access_denied(server: LiveServer, third_party: dict[str, str], callback: CallbackRecorder,
                                  page: Page, shot: Screenshots) -> None:
    email = unique_email("browser-deny")
    sign_up_user(server, email)
    pkce = Pkce.new()
    page.goto(authorize_url(server, third_party["client_id"], callback.url, pkce))
    sign_in(page, email)
    at_path(page, "/consent")
    page.get_by_role("button", name="Deny").click()
    page.wait_for_load_state()
    shot(page, "denied")
    assert page.url.startswith(f"{callback.url}?"), page.url
    answer = callback.answer(pkce.state)
    assert answer["error"] == "access_denied"
    assert answer["iss"] == server.env["AUTHWARD_PUBLIC_URL"]
    assert "code" not in answer


def test_sign_up_through_the_pages(server: LiveServer, third_party: dict[str, str], callback: CallbackRecorder,
                                   page: Page, shot: Screenshots) -> None:
    email = unique_email("browser-signup")
    pkce = Pkce.new()
    page.goto(authorize_url(server, third_party["client_id"], callback.url, pkce))
    page.get_by_role("link", name="No account yet? Create one").click()
    page.wait_for_load_state()
    query = at_path(page, "/signup")
    assert query["request_id"]
    assert page.get_by_role("heading", level=1).inner_text() == "Create your account"
    shot(page, "signup")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Name (optional)").fill("Browser User")
    page.get_by_role("button", name="Create an account").click()
    page.wait_for_load_state()
    # this e2e server does not require email verification: the new session goes on with the request
    allow(page, shot, "Browser RP", email)
    code = assert_code_callback(server, callback, page, pkce)
    claims = assert_tokens(server, third_party, exchange_code(server, third_party, code, callback.url, pkce), pkce,
                           email)
    assert claims["name"] == "Browser User"

    # the same address again: the form says so
    page.goto(f"{server.url}/signup")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create an account").click()
    assert "An account with this email address already exists" in page.get_by_role("alert").inner_text()
    shot(page, "signup-email-in-use")


def test_password_reset_through_the_pages(server: LiveServer, third_party: dict[str, str],
                                          callback: CallbackRecorder, page: Page, shot: Screenshots) -> None:
    email = unique_email("browser-reset")
    sign_up_user(server, email)
    new_password = "a brand new pass phrase"
    page.goto(f"{server.url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_load_state()
    at_path(page, "/forgot-password")
    shot(page, "forgot-password")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    assert email in page.locator("main").inner_text()
    shot(page, "forgot-password-sent")

    page.goto(outbox_link(server, email))  # /verify signs the user in and lands on the new-password form
    at_path(page, "/reset-password")
    assert page.get_by_role("heading", level=1).inner_text() == "Choose a new password"
    shot(page, "reset-password")
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password, again").fill(new_password + "x")
    page.get_by_role("button", name="Save the password").click()
    assert page.get_by_role("alert").inner_text() == "The two passwords are different."
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password, again").fill(new_password)
    page.get_by_role("button", name="Save the password").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Password changed"
    shot(page, "reset-done")

    # the old password no longer works, the new one does, through an authorization request
    pkce = Pkce.new()
    page.goto(authorize_url(server, third_party["client_id"], callback.url, pkce))
    sign_in(page, email)
    assert page.get_by_role("alert").inner_text() == "Incorrect email address or password."
    sign_in(page, email, new_password)
    allow(page, shot, "Browser RP", email)
    code = assert_code_callback(server, callback, page, pkce)
    assert exchange_code(server, third_party, code, callback.url, pkce).status_code == 200
