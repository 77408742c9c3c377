"""JSON logs of a real server (observability/logs.py, api/request_log.py): request ids, user ids, no secrets.

A server logging every request runs the common flows; then its whole log is searched for every token,
code, ticket and password the run created. None may appear.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import ServerFactory
from tests.e2e.inbox import mail_to
from tests.mail_sink import MailSink, mail_server, mail_sink  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

APP = "https://app.example.com"


def test_a_run_logs_json_with_request_ids_and_never_a_secret(
    server_factory: ServerFactory, mail_sink: MailSink,  # noqa: F811
) -> None:
    server = server_factory(**mail_sink.settings(), client_url=APP, log_format="json", log_level="info",
                            access_log=True)
    secrets: list[str] = []
    password = "unguessable-Pa55word-for-logs"
    secrets.append(password)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        signed_up = http.post("/v1/signup/email-password", json={"email": "logs@example.com", "password": password},
                              headers={"x-request-id": "req-from-proxy-1"})
        assert signed_up.status_code == 200, signed_up.text
        assert signed_up.headers["x-request-id"] == "req-from-proxy-1"
        user_id = signed_up.json()["session"]["user"]["id"]
        session = signed_up.json()["session"]
        secrets += [session["accessToken"], session["refreshToken"]]

        wrong = http.post("/v1/signin/email-password", json={"email": "logs@example.com", "password": "wrong-" + password})
        assert wrong.status_code == 401
        secrets.append("wrong-" + password)
        signed_in = http.post("/v1/signin/email-password", json={"email": "logs@example.com", "password": password})
        session = signed_in.json()["session"]
        secrets += [session["accessToken"], session["refreshToken"]]
        refreshed = http.post("/v1/token", json={"refreshToken": session["refreshToken"]}).json()
        secrets += [refreshed["accessToken"], refreshed["refreshToken"]]
        bearer = {"authorization": f"Bearer {refreshed['accessToken']}"}
        assert http.get("/v1/user", headers={**bearer, "x-request-id": "bad id\twith spaces"}).status_code == 200

        expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        pat = http.post("/v1/pat", headers=bearer, json={"expiresAt": expires, "metadata": {"name": "logs"}}).json()
        secrets.append(pat["personalAccessToken"])
        with_pat = http.post("/v1/signin/pat", json={"personalAccessToken": pat["personalAccessToken"]})
        secrets += [with_pat.json()["session"]["accessToken"], with_pat.json()["session"]["refreshToken"]]

        assert http.post("/v1/signin/passwordless/email",
                         json={"email": "magic@example.com", "options": {"redirectTo": APP}}).status_code == 200
        mail = mail_to(mail_sink, "magic@example.com")
        secrets.append(mail.ticket())
        landed = http.get(mail.link(), follow_redirects=False)
        assert landed.status_code == 302, landed.text
        magic_refresh = parse_qs(urlsplit(landed.headers["location"]).query)["refreshToken"][0]
        secrets.append(magic_refresh)
        secrets.append(http.post("/v1/token", json={"refreshToken": magic_refresh}).json()["accessToken"])

        assert http.post("/v1/signin/otp/email", json={"email": "code@example.com"}).status_code == 200
        code = mail_to(mail_sink, "code@example.com").code()
        secrets.append(code)
        verified = http.post("/v1/signin/otp/email/verify", json={"email": "code@example.com", "otp": code})
        assert verified.status_code == 200, verified.text
        secrets.append(verified.json()["session"]["refreshToken"])

    server.stop()
    log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "authward.request"]
    assert len(requests) >= 12, log
    assert all(line["request_id"] and line["level"] == "info" and "timestamp" in line for line in requests)
    sign_up_line = next(line for line in requests if line["request_id"] == "req-from-proxy-1")
    assert sign_up_line["path"] == "/v1/signup/email-password" and sign_up_line["status"] == 200
    assert sign_up_line["user_id"] == user_id  # known once the user exists
    user_lines = [line for line in requests if line["path"] == "/v1/user"]
    assert user_lines[0]["user_id"] == user_id and user_lines[0]["request_id"] != "bad id\twith spaces"
    assert len(user_lines[0]["request_id"]) == 32  # made: the client's was not a plain id
    assert any(line["path"] == "/verify" for line in requests)

    leaked = [secret for secret in secrets if secret in log]
    assert not leaked, f"secrets in the log: {leaked}"
    code_lines = [line for line in log.splitlines() if code in line]
    assert not code_lines
