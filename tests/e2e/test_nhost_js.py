"""The real `@nhost/nhost-js` v4 SDK (npm) against the real server process, on SQLite and PostgreSQL.

`tests/e2e/js/nhost_flow.mjs` drives the SDK and prints one JSON object of what it saw; the assertions
live here so a failure names the broken behaviour. `make test` installs the SDK with `npm ci`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, ServerFactory
from tests.support import IN_CI

pytestmark = pytest.mark.e2e

JS_DIR = Path(__file__).parent / "js"
SCRIPT = JS_DIR / "nhost_flow.mjs"


def _node() -> str:
    node = shutil.which("node")
    installed = (JS_DIR / "node_modules" / "@nhost" / "nhost-js").is_dir()
    if node is None or not installed:
        missing = "node is not on PATH" if node is None else "the npm packages are not installed"
        message = f"{missing}: run `npm ci --prefix tests/e2e/js` (make test does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return node


def run_flow(server: LiveServer) -> dict[str, Any]:
    env = {"PATH": str(Path(_node()).parent), "AUTH_URL": f"{server.url}/v1", "ISSUER": server.env["AUTHWARD_PUBLIC_URL"]}
    done = subprocess.run([_node(), str(SCRIPT)], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"nhost_flow.mjs exited {done.returncode}:\n{done.stderr}\n--- server log ---\n{server.log()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def assert_sdk_error(observed: dict[str, Any], status: int, code: str) -> None:
    """The SDK raised its FetchError carrying our `{status, error, message}` body."""
    assert observed["status"] == status, observed
    assert observed["body"]["status"] == status
    assert observed["body"]["error"] == code
    assert observed["body"]["message"] == observed["message"]  # the SDK surfaces our message as err.message


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def flow(request: pytest.FixtureRequest, server_factory: ServerFactory) -> dict[str, Any]:
    """One SDK run per database backend, with rotated refresh tokens refused at once."""
    _node()
    server = server_factory(database=request.param, refresh_token_reuse_interval=0)
    return run_flow(server)


def test_sign_up_and_duplicate(flow: dict[str, Any]) -> None:
    signup = flow["signUp"]
    assert signup["status"] == 200
    assert signup["email"] == signup["email"].lower()  # normalised
    assert signup["displayName"] == "Nhost JS"
    assert signup["metadata"] == {"from": "nhost-js"}
    assert signup["storedBySdk"] is True
    assert_sdk_error(flow["duplicateSignUp"], 409, "email-already-in-use")


def test_sign_in_and_get_user(flow: dict[str, Any]) -> None:
    signin = flow["signIn"]
    assert signin["status"] == 200
    assert signin["mfa"] is None
    assert signin["sameUser"] is True
    assert signin["storedBySdk"] is True
    # the SDK decodes our access token's Hasura claims
    assert signin["decodedUserId"] == signin["userId"]
    assert signin["decodedAllowedRoles"] == ["user", "me"]
    user = flow["getUser"]
    assert user["status"] == 200
    assert user["id"] == signin["userId"]
    assert user["email"] == flow["signUp"]["email"]
    assert user["defaultRole"] == "user"
    assert set(user["roles"]) == {"user", "me"}
    assert user["isAnonymous"] is False


def test_wrong_password(flow: dict[str, Any]) -> None:
    assert_sdk_error(flow["wrongPassword"], 401, "invalid-email-password")


def test_verify_token(flow: dict[str, Any]) -> None:
    assert flow["verifyToken"] == {"status": 200, "body": "OK", "byHeaderBody": "OK"}
    assert_sdk_error(flow["verifyBadToken"], 401, "unauthenticated-user")


def test_jwks_verifies_the_access_token_with_jose(flow: dict[str, Any]) -> None:
    jwks = flow["jwks"]
    assert jwks["status"] == 200
    assert jwks["tokenKid"] in jwks["kids"]
    assert jwks["alg"] == "RS256"
    assert jwks["verifiedSub"] == flow["signIn"]["userId"]
    assert jwks["verifiedIssuer"].startswith("http://127.0.0.1:")
    claims = jwks["hasuraClaims"]
    assert claims["x-hasura-user-id"] == flow["signIn"]["userId"]
    assert claims["x-hasura-default-role"] == "user"
    assert claims["x-hasura-allowed-roles"] == ["user", "me"]
    assert claims["x-hasura-user-is-anonymous"] == "false"
    assert flow["wrongIssuer"] == "ERR_JWT_CLAIM_VALIDATION_FAILED"


def test_refresh_rotates_and_old_token_is_refused(flow: dict[str, Any]) -> None:
    refresh = flow["refresh"]
    assert refresh["status"] == 200
    assert refresh["rotated"] is True
    assert refresh["sameUser"] is True
    assert refresh["storedBySdk"] is True
    assert refresh["sameRefreshTokenId"] is True  # the session id is stable across rotation, as Nhost's
    assert_sdk_error(flow["oldRefreshToken"], 401, "invalid-refresh-token")
    # the reuse revoked the whole family, successor included (RFC 9700 reuse detection)
    assert_sdk_error(flow["successorAfterReuse"], 401, "invalid-refresh-token")


def test_sdk_refresh_session_and_auto_refresh_middleware(flow: dict[str, Any]) -> None:
    assert flow["sdkRefreshSession"] == {"rotated": True, "stored": True, "decodedExpInFuture": True}
    auto = flow["sdkAutoRefreshMiddleware"]
    assert auto["refreshCalls"] == 1  # the middleware refreshed through /v1/token, once, before getUser
    assert auto["rotated"] is True
    assert auto["getUserStatus"] == 200
    assert auto["sameUser"] is True


def test_sign_out_revokes(flow: dict[str, Any]) -> None:
    assert flow["signOut"] == {"status": 200, "body": "OK", "clearedBySdk": True}
    assert_sdk_error(flow["refreshAfterSignOut"], 401, "invalid-refresh-token")
    assert_sdk_error(flow["refreshAfterOtherSignOut"], 401, "invalid-refresh-token")
    assert flow["signOutAll"] == {"status": 200, "body": "OK"}
    assert_sdk_error(flow["refreshAfterSignOutAll"], 401, "invalid-refresh-token")


def test_health_and_version(flow: dict[str, Any]) -> None:
    from authward import __version__

    assert flow["health"] == "OK"
    assert flow["version"] == {"version": __version__}
