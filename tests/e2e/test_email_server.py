"""Every email flow through the real `authward serve` process and a real SMTP server, on both databases.

The test reads each message from the SMTP sink, follows the link or types the code, and checks the
session it gets. A second server without SMTP shows the dev outbox (`GET /dev/outbox`, `authward outbox`).
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.mail_sink

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory
from tests.mail_sink import MailSink, mail_server, mail_sink  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

APP = "https://app.example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, server_factory: ServerFactory, mail_server: MailSink) -> LiveServer:
    return server_factory(database=request.param, **mail_server.settings(), client_url=APP,
                          email_verification_required=True, email_otp_max_attempts=3)


@pytest.fixture
async def http(server: LiveServer, mail_sink: MailSink) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{server.url}/v1", timeout=30) as client:
        yield client


def params_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def open_link(link: str) -> dict[str, str]:
    """A browser opening the mailed link: the server redirects to the app (not followed)."""
    async with httpx.AsyncClient(timeout=30) as browser:
        response = await browser.get(link, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(APP)
    return params_of(location)


async def session_of(http: httpx.AsyncClient, refresh_token: str) -> dict:
    response = await http.post("/token", json={"refreshToken": refresh_token})
    assert response.status_code == 200, response.text
    return response.json()


async def test_sign_up_verify_and_sign_in(http: httpx.AsyncClient, mail_sink: MailSink, server: LiveServer) -> None:
    email = f"verify-{server.database_url[-6:]}@example.com".lower()
    response = await http.post("/signup/email-password", json={"email": email, "password": PASSWORD})
    assert response.json() == {"session": None}
    refused = await http.post("/signin/email-password", json={"email": email, "password": PASSWORD})
    assert refused.json()["error"] == "unverified-user"
    mail = await mail_sink.wait_for(email)
    assert mail.link().startswith(server.url + "/verify?")
    params = await open_link(mail.link())
    assert params["type"] == "verifyEmail"
    assert (await session_of(http, params["refreshToken"]))["user"]["emailVerified"] is True
    assert (await http.post("/signin/email-password", json={"email": email, "password": PASSWORD})).status_code == 200
    assert "error" in await open_link(mail.link())  # used


async def test_password_reset(http: httpx.AsyncClient, mail_sink: MailSink) -> None:
    email = "reset@example.com"
    await http.post("/signup/email-password", json={"email": email, "password": PASSWORD})
    await open_link((await mail_sink.wait_for(email)).link())  # verify first
    unknown = await http.post("/user/password/reset", json={"email": "nobody-here@example.com"})
    known = await http.post("/user/password/reset", json={"email": email})
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content) == (200, b'"OK"')
    mail = await mail_sink.wait_for(email, count=2)
    params = await open_link(mail.link())
    assert params["type"] == "passwordReset"
    access = (await session_of(http, params["refreshToken"]))["accessToken"]
    changed = await http.post("/user/password", json={"newPassword": "the new passphrase"},
                              headers={"authorization": f"Bearer {access}"})
    assert changed.status_code == 200
    old = await http.post("/signin/email-password", json={"email": email, "password": PASSWORD})
    assert old.json()["error"] == "invalid-email-password"
    new = await http.post("/signin/email-password", json={"email": email, "password": "the new passphrase"})
    assert new.status_code == 200
    assert mail_sink.to("nobody-here@example.com") == []


async def test_magic_link(http: httpx.AsyncClient, mail_sink: MailSink) -> None:
    email = "magic@example.com"
    response = await http.post("/signin/passwordless/email",
                               json={"email": email, "options": {"displayName": "Magic", "redirectTo": APP + "/in"}})
    assert response.json() == "OK"
    params = await open_link((await mail_sink.wait_for(email)).link())
    assert params["type"] == "passwordlessEmail"
    user = (await session_of(http, params["refreshToken"]))["user"]
    assert user["email"] == email and user["displayName"] == "Magic" and user["emailVerified"] is True


async def test_email_otp(http: httpx.AsyncClient, mail_sink: MailSink) -> None:
    email = "otp@example.com"
    assert (await http.post("/signin/otp/email", json={"email": email})).json() == "OK"
    code = (await mail_sink.wait_for(email)).code()
    response = await http.post("/signin/otp/email/verify", json={"email": email, "otp": code})
    assert response.status_code == 200
    assert response.json()["session"]["user"]["email"] == email

    await http.post("/signin/otp/email", json={"email": email})
    code = (await mail_sink.wait_for(email, count=2)).code()
    wrong = "999999" if code != "999999" else "000000"
    for _ in range(3):
        assert (await http.post("/signin/otp/email/verify", json={"email": email, "otp": wrong})).json()["error"] \
            == "invalid-otp"
    exhausted = await http.post("/signin/otp/email/verify", json={"email": email, "otp": code})
    assert exhausted.json()["error"] == "otp-too-many-attempts"


async def test_email_change(http: httpx.AsyncClient, mail_sink: MailSink) -> None:
    email, new_email = "change@example.com", "changed@example.com"
    await http.post("/signup/email-password", json={"email": email, "password": PASSWORD})
    params = await open_link((await mail_sink.wait_for(email)).link())
    access = (await session_of(http, params["refreshToken"]))["accessToken"]
    response = await http.post("/user/email/change", json={"newEmail": new_email},
                               headers={"authorization": f"Bearer {access}"})
    assert response.status_code == 200
    params = await open_link((await mail_sink.wait_for(new_email)).link())
    assert params["type"] == "emailConfirmChange"
    assert (await session_of(http, params["refreshToken"]))["user"]["email"] == new_email


async def test_redirect_allow_list(http: httpx.AsyncClient, server: LiveServer) -> None:
    bad = await http.post("/signin/passwordless/email",
                          json={"email": "x@example.com", "options": {"redirectTo": APP + ".evil.com"}})
    assert bad.status_code == 400 and bad.json()["error"] == "redirectTo-not-allowed"
    async with httpx.AsyncClient(timeout=30) as browser:
        response = await browser.get(f"{server.url}/verify", params={"ticket": "verifyEmail:x",
                                                                      "redirectTo": "https://evil.com"})
    assert response.status_code == 302
    assert response.headers["location"].startswith(APP + "?error=redirectTo-not-allowed")


def test_dev_outbox_without_smtp(server_factory: ServerFactory) -> None:
    """No SMTP host: mail stays in the outbox, visible at /dev/outbox (dev mode) and via `authward outbox`."""
    server = server_factory(dev_mode=True, email_verification_required=True, verify_confirm_page=True)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        response = http.post("/v1/signup/email-password", json={"email": "dev@example.com", "password": PASSWORD})
        assert response.json() == {"session": None}
        messages = http.get("/dev/outbox", params={"to": "dev@example.com"}).json()["messages"]
        assert len(messages) == 1 and messages[0]["status"] == "logged"
        link = next(word for word in messages[0]["text"].split() if "/verify?" in word)
        page = http.get(link)  # the confirm page: a GET uses nothing
        assert page.status_code == 200 and "<form" in page.text
        form = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        posted = http.post("/verify", data={"ticket": form["ticket"], "redirectTo": form["redirectTo"]},
                           follow_redirects=False)
        assert posted.status_code == 303 and "refreshToken=" in posted.headers["location"]
    assert "dev outbox" in server.log() and "dev@example.com" in server.log()

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}, **server.env}
    listed = subprocess.run([AUTHWARD_BIN, "outbox", "--json", "--to", "dev@example.com"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["subject"] == "Verify your email address" and row["status"] == "logged"
    shown = subprocess.run([AUTHWARD_BIN, "outbox", "show", row["id"][:8]], env=env, capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0 and "/verify?ticket=verifyEmail:" in shown.stdout
    table = subprocess.run([AUTHWARD_BIN, "outbox"], env=env, capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "dev@example.com" in table.stdout


def test_dev_outbox_is_absent_outside_dev_mode(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.url}/dev/outbox", timeout=30).status_code == 404
