"""WebAuthn through the real `@nhost/nhost-js` v4 SDK: its signUpWebauthn / verifySignUpWebauthn,
signInWebauthn / verifySignInWebauthn (with and without an email), elevateWebauthn and addSecurityKey,
fed by a software authenticator on node's crypto (tests/e2e/js/soft_authenticator.mjs), against the
real server on each database. The script prints what it saw; the assertions are here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ServerFactory
from tests.e2e.test_nhost_js import JS_DIR, _node, assert_sdk_error

pytestmark = pytest.mark.e2e

ORIGIN = "http://localhost:3000"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def observed(request: pytest.FixtureRequest, server_factory: ServerFactory) -> dict[str, Any]:
    node = _node()
    server = server_factory(database=request.param, webauthn_enabled=True, webauthn_rp_id="localhost",
                            webauthn_rp_name="authward e2e", webauthn_rp_origins=ORIGIN,
                            require_elevated_claim=True)
    env = {"PATH": str(Path(node).parent), "AUTH_URL": f"{server.url}/v1", "SERVER_URL": server.url,
           "ORIGIN": ORIGIN}
    done = subprocess.run([node, "nhost_webauthn.mjs"], cwd=JS_DIR, env=env, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        pytest.fail(f"nhost_webauthn.mjs exited {done.returncode}:\n{done.stderr}\n--- server log ---\n{server.log()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_sign_up_with_a_passkey(observed: dict[str, Any]) -> None:
    assert observed["signUpOptions"] == {
        "status": 200, "rp": {"name": "authward e2e", "id": "localhost"}, "userName": observed["signUp"]["email"],
        "userDisplayName": "Passkey Person", "challengeLength": 43, "algorithms": [-8, -7, -257],
    }
    assert observed["signUp"]["status"] == 200
    assert observed["signUp"]["displayName"] == "Passkey Person"
    assert observed["signUp"]["amr"] == ["hwk"]
    assert observed["signUp"]["storedBySdk"] is True


def test_sign_in_with_a_passkey_without_and_with_email(observed: dict[str, Any]) -> None:
    assert observed["signInWithoutEmail"] == {
        "status": 200, "allowCredentials": [], "rpId": "localhost", "sameUser": True, "amr": ["hwk"],
        "storedBySdk": True,
    }
    assert observed["signInWithEmail"] == {"status": 200, "allowed": 1, "sameUser": True}
    assert_sdk_error(observed["replayed"], 400, "invalid-request")
    assert_sdk_error(observed["wrongOrigin"], 400, "invalid-request")


def test_elevate_and_add_a_security_key(observed: dict[str, Any]) -> None:
    assert observed["elevate"] == {"status": 200, "allowed": 1, "amr": ["hwk", "mfa"], "elevated": True}
    assert observed["addKey"] == {"status": 200, "nickname": "usb", "hasId": True, "excluded": 1}
    assert observed["signInWithSecondKey"] == {"sameUser": True}
