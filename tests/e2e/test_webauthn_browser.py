"""Passkeys on the hosted pages in a real Chromium, with a CDP virtual authenticator.

The authenticator is Chromium's own (DevTools `WebAuthn.addVirtualAuthenticator`: CTAP2, internal
transport, resident keys and user verification, the user always verified): the page's script, the
browser's WebAuthn stack and the server's py_webauthn all run for real. WebAuthn needs a secure
context and an RP id that is a domain: the browser uses http://localhost:PORT (localhost is a secure
context; 127.0.0.1 is too, but an IP address is no valid RP id), so the server's public URL, RP id
and origin say localhost while it listens on 127.0.0.1.

The flow: a password user signs in on /login, adds a passkey on /account ("Add a passkey"); then,
signed out, an application's authorization request lands on /login and "Sign in with a passkey"
signs in and goes on to the consent page and the callback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
import pytest

from tests.e2e import conftest
from tests.e2e.conftest import LiveServer, ServerFactory
from tests.e2e.test_hosted_pages_browser import (  # noqa: F401 - fixtures, used by name
    PASSWORD,
    CallbackRecorder,
    Pkce,
    Screenshots,
    callback,
    chromium,
    exchange_code,
    shot,
    sign_up_user,
    unique_email,
)
from tests.e2e.test_openid_client import create_client

if TYPE_CHECKING:
    from playwright.sync_api import Browser, CDPSession, Page

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory) -> LiveServer:
    """Listening on 127.0.0.1:PORT, known to the browser (and to WebAuthn) as http://localhost:PORT."""
    port = conftest.free_port()
    origin = f"http://localhost:{port}"
    with mock.patch.object(conftest, "free_port", return_value=port):
        server = server_factory(public_url=origin, webauthn_enabled=True, webauthn_rp_id="localhost",
                                webauthn_rp_name="authward browser test", webauthn_rp_origins=origin)
    server._extra["origin"] = origin
    return server


def origin_of(server: LiveServer) -> str:
    origin: str = server._extra["origin"]
    return origin


@pytest.fixture(scope="module")
def third_party(server: LiveServer, callback: CallbackRecorder) -> dict[str, str]:  # noqa: F811
    return create_client(server, "--name", "Passkey RP", "--redirect-uri", callback.url,
                         "--grant", "authorization_code", "--scope", "openid", "--scope", "profile",
                         "--scope", "email")


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:  # noqa: F811
    context = chromium.new_context(locale="en-US", viewport={"width": 1000, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """A platform authenticator holding passkeys, whose user is always verified (no prompt)."""
    # a browser without the passkey autofill, when a test asks for one (sessionStorage, per tab)
    page.add_init_script("if (sessionStorage.getItem('no-conditional-ui')) "
                         "PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return cdp, added["authenticatorId"]


def test_add_a_passkey_then_sign_in_with_it(server: LiveServer, third_party: dict[str, str],
                                            callback: CallbackRecorder, page: Page,  # noqa: F811
                                            shot: Screenshots) -> None:  # noqa: F811
    base = origin_of(server)
    email = unique_email("browser-passkey")
    sign_up_user(server, email)
    cdp, authenticator_id = virtual_authenticator(page)

    # -- signed in with the password, add a passkey on the account page
    page.goto(f"{base}/login")
    assert page.evaluate("window.isSecureContext") is True
    assert page.get_by_label("Email address").get_attribute("autocomplete") == "username webauthn"
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    page.goto(f"{base}/account")
    assert page.get_by_role("heading", name="Passkeys").is_visible()
    shot(page, "account-before")
    page.get_by_label("Name of the new passkey (optional)").fill("Virtual key")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(f"{base}/account?done=passkey-added")
    assert "Passkey added. You can now sign in with it." in page.locator("main").inner_text()
    assert "Virtual key" in page.locator("main").inner_text()
    shot(page, "account-passkey-added")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(stored) == 1 and stored[0]["isResidentCredential"] is True and stored[0]["rpId"] == "localhost"

    # -- signed out, an application's request: the passkey autofill (conditional mediation) signs in by
    # itself: the virtual authenticator answers the request the script left pending on the email field
    page.context.clear_cookies()
    pkce = Pkce.new()
    page.goto(authorize(base, third_party, callback, pkce))
    page.wait_for_url(f"{base}/consent**")
    shot(page, "consent-after-passkey-autofill")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{callback.url}?**")
    id_token = signed_in_with_passkey(server, third_party, callback, pkce, email)
    assert id_token["amr"] == ["hwk"]  # the virtual authenticator verified its user: no second factor asked

    # -- the button, in a browser without the autofill; consent is on record, so back to the application
    page.context.clear_cookies()
    page.goto(f"{base}/forgot-password")  # a page of this origin without the script
    page.evaluate("sessionStorage.setItem('no-conditional-ui', '1')")  # on this origin, for this tab
    pkce = Pkce.new()
    page.goto(authorize(base, third_party, callback, pkce))
    assert urlsplit(page.url).path == "/login"
    assert page.evaluate("PublicKeyCredential.isConditionalMediationAvailable()") is False
    button = page.get_by_role("button", name="Sign in with a passkey")
    button.wait_for(state="visible")  # the script shows it: WebAuthn is there
    shot(page, "login-with-passkey-button")
    button.click()
    page.wait_for_url(f"{callback.url}?**")
    signed_in_with_passkey(server, third_party, callback, pkce, email)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert credentials[0]["signCount"] >= 2
    session = httpx.post(f"{server.url}/signin/email-password", json={"email": email, "password": PASSWORD},
                         timeout=30).json()["session"]
    bearer = {"authorization": f"Bearer {session['accessToken']}"}
    listed = httpx.get(f"{server.url}/user/webauthn", headers=bearer, timeout=30).json()["securityKeys"]
    assert [key["nickname"] for key in listed] == ["Virtual key"] and listed[0]["lastUsedAt"]


def authorize(base: str, client: dict[str, str], callback: CallbackRecorder, pkce: Pkce) -> str:  # noqa: F811
    query = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": callback.url,
             "scope": "openid profile email", "state": pkce.state, "nonce": pkce.nonce,
             "code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    return f"{base}/authorize?{urlencode(query)}"


def signed_in_with_passkey(server: LiveServer, client: dict[str, str], callback: CallbackRecorder,  # noqa: F811
                           pkce: Pkce, email: str) -> dict[str, Any]:
    """The callback got a code for this request; its ID token's claims, for `email`."""
    answer = callback.answer(pkce.state)
    token = exchange_code(server, client, answer["code"], callback.url, pkce)
    assert token.status_code == 200, token.text
    claims: dict[str, Any] = jwt.decode(token.json()["id_token"], options={"verify_signature": False})
    assert claims["email"] == email
    return claims
