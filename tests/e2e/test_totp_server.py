"""Two-factor authentication against the real `authward serve` process, on SQLite and PostgreSQL.

Codes come from pyotp at real time. No sleeping: activation uses this step's code, sign-in the next
step's (the server accepts ±1 step, each step once), later checks use recovery codes.
"""

from __future__ import annotations

import time

import httpx
import jwt
import pyotp
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def test_totp_enrol_sign_in_replay_recovery_and_deactivate(server_factory, backend):
    server = server_factory(database=backend, email_verification_required=False)
    email = f"totp-{backend}@example.com"
    with httpx.Client(base_url=server.url, timeout=30) as http:
        signup = http.post("/v1/signup/email-password", json={"email": email, "password": PASSWORD}).json()
        auth = {"Authorization": f"Bearer {signup['session']['accessToken']}"}

        setup = http.get("/v1/mfa/totp/generate", headers=auth).json()
        assert setup["imageUrl"].startswith("data:image/png;base64,")
        totp = pyotp.TOTP(setup["totpSecret"])
        started = time.time()
        activated = http.post("/v1/user/mfa", json={"code": totp.at(started), "activeMfaType": "totp"}, headers=auth)
        assert activated.status_code == 200, activated.text

        challenge = http.post("/v1/signin/email-password", json={"email": email, "password": PASSWORD}).json()
        assert challenge["session"] is None and challenge["mfa"]["ticket"].startswith("mfaTotp:")
        next_code = totp.at(started + 30)
        done = http.post("/v1/signin/mfa/totp", json={"ticket": challenge["mfa"]["ticket"], "otp": next_code})
        assert done.status_code == 200, done.text
        session = done.json()["session"]
        assert jwt.decode(session["accessToken"], options={"verify_signature": False})["amr"] == ["pwd", "otp", "mfa"]
        assert http.get("/v1/user", headers=auth).json()["activeMfaType"] == "totp"

        again = http.post("/v1/signin/email-password", json={"email": email, "password": PASSWORD}).json()
        replay = http.post("/v1/signin/mfa/totp", json={"ticket": again["mfa"]["ticket"], "otp": next_code})
        assert replay.status_code == 401 and replay.json()["error"] == "invalid-totp"

        recovery = setup["recoveryCodes"]
        used = http.post("/v1/signin/mfa/totp", json={"ticket": again["mfa"]["ticket"], "otp": recovery[0]})
        assert used.status_code == 200, used.text
        third = http.post("/v1/signin/email-password", json={"email": email, "password": PASSWORD}).json()
        reused = http.post("/v1/signin/mfa/totp", json={"ticket": third["mfa"]["ticket"], "otp": recovery[0]})
        assert reused.status_code == 401 and reused.json()["error"] == "invalid-totp"

        off = http.post("/v1/user/mfa", json={"code": recovery[1], "activeMfaType": ""}, headers=auth)
        assert off.status_code == 200, off.text
        plain = http.post("/v1/signin/email-password", json={"email": email, "password": PASSWORD}).json()
        assert plain["mfa"] is None and plain["session"]["user"]["activeMfaType"] is None
