"""SMS codes through Twilio (a local receiver), anonymous users and PATs, against the real server process."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.receiver import HttpReceiver, running_receiver

PASSWORD = "correct horse battery staple"
SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "e2e-twilio-token"
PHONE = "+447911123456"


@pytest.fixture
def twilio() -> Iterator[HttpReceiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def test_sms_anonymous_and_pat_flows(server_factory, backend, twilio):
    server = server_factory(
        database=backend,
        sms_passwordless_enabled=True,
        sms_provider="twilio",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from="+15005550006",
        twilio_base_url=twilio.url,
        anonymous_users_enabled=True,
    )
    with httpx.Client(base_url=server.url, timeout=30) as http:
        # SMS: the server calls "Twilio", the code in that call opens a session
        assert http.post("/v1/signin/passwordless/sms", json={"phoneNumber": "+44 7911 123456"}).status_code == 200
        [sent] = twilio.requests
        assert sent.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
        assert sent.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        form = sent.form()
        assert form["To"] == [PHONE] and form["From"] == ["+15005550006"]
        code = re.search(r"\d{6}", form["Body"][0]).group(0)  # type: ignore[union-attr]
        verified = http.post("/v1/signin/passwordless/sms/otp", json={"phoneNumber": PHONE, "otp": code})
        assert verified.status_code == 200, verified.text
        assert verified.json()["session"]["user"]["phoneNumberVerified"] is True
        again = http.post("/v1/signin/passwordless/sms/otp", json={"phoneNumber": PHONE, "otp": code})
        assert again.json()["error"] == "invalid-otp"

        # anonymous -> email-password, same id
        anon = http.post("/v1/signin/anonymous").json()["session"]
        headers = {"authorization": f"Bearer {anon['accessToken']}"}
        email = f"anon-{backend}@example.com"
        done = http.post("/v1/user/deanonymize", headers=headers,
                         json={"signInMethod": "email-password", "email": email, "password": PASSWORD})
        assert done.status_code == 200, done.text
        signed_in = http.post("/v1/signin/email-password", json={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        session = signed_in.json()["session"]
        assert session["user"]["id"] == anon["user"]["id"]

        # PAT: create, sign in with it, revoke
        headers = {"authorization": f"Bearer {session['accessToken']}"}
        expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        created = http.post("/v1/pat", headers=headers, json={"expiresAt": expires, "metadata": {"name": "e2e"}})
        assert created.status_code == 200, created.text
        pat = created.json()
        opened = http.post("/v1/signin/pat", json={"personalAccessToken": pat["personalAccessToken"]})
        assert opened.status_code == 200
        assert opened.json()["session"]["user"]["id"] == anon["user"]["id"]
        assert http.delete(f"/v1/pat/{pat['id']}", headers=headers).status_code == 200
        refused = http.post("/v1/signin/pat", json={"personalAccessToken": pat["personalAccessToken"]})
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid-pat"
