"""The real `openid-client` v6 (npm, panva) against the server's OAuth 2.0 / OIDC provider, on SQLite and PostgreSQL.

`tests/e2e/js/oidc_flow.mjs` drives the SDK (discovery, authorization code + PKCE through Nhost's login
contract, refresh, userinfo, introspection, revocation, client credentials) with client_secret_basic
and with client_secret_post, and prints one JSON object of what it saw; the assertions live here. The
client is registered with the real `authward clients create` on the server's database. `make test`
installs the SDK with `npm ci`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory
from tests.support import IN_CI

pytestmark = pytest.mark.e2e

JS_DIR = Path(__file__).parent / "js"
SCRIPT = JS_DIR / "oidc_flow.mjs"
REDIRECT_URI = "https://rp.example/oidc/callback"  # never fetched: the SDK only reads the callback URL
API = "https://api.example/things"
API_SCOPE = "read:things"
USER_SCOPES = ["openid", "profile", "email", "offline_access"]
METHODS = ("client_secret_basic", "client_secret_post")


def _node() -> str:
    node = shutil.which("node")
    installed = (JS_DIR / "node_modules" / "openid-client").is_dir()
    if node is None or not installed:
        missing = "node is not on PATH" if node is None else "the npm packages are not installed"
        message = f"{missing}: run `npm ci --prefix tests/e2e/js` (make test does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return node


def create_client(server: LiveServer, *args: str) -> dict[str, str]:
    """`authward clients create ... --json` on the server's own database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")} | server.env
    done = subprocess.run([AUTHWARD_BIN, "clients", "create", *args, "--json"], env=env, cwd=server.log_path.parent,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    created: dict[str, str] = json.loads(done.stdout)
    return created


def run_flow(server: LiveServer, created: dict[str, str]) -> dict[str, Any]:
    node = _node()
    env = {
        "PATH": str(Path(node).parent), "ISSUER": server.env["AUTHWARD_PUBLIC_URL"],
        "CLIENT_ID": created["client_id"], "CLIENT_SECRET": created["client_secret"],
        "REDIRECT_URI": REDIRECT_URI, "API_AUDIENCE": API, "API_SCOPE": API_SCOPE,
    }
    done = subprocess.run([node, str(SCRIPT)], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"oidc_flow.mjs exited {done.returncode}:\n{done.stderr}\n--- server log ---\n{server.log()}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["client_id"] = created["client_id"]
    result["issuer"] = server.env["AUTHWARD_PUBLIC_URL"]
    return result


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def flow(request: pytest.FixtureRequest, server_factory: ServerFactory) -> dict[str, Any]:
    """One SDK run per database backend, against a third-party confidential client."""
    _node()
    server = server_factory(database=request.param)
    scopes = [arg for scope in [*USER_SCOPES, API_SCOPE] for arg in ("--scope", scope)]
    created = create_client(
        server, "--name", "openid-client RP", "--redirect-uri", REDIRECT_URI, "--grant", "authorization_code",
        "--grant", "refresh_token", "--grant", "client_credentials", *scopes, "--audience", API,
    )
    return run_flow(server, created)


@pytest.fixture(params=METHODS)
def method(request: pytest.FixtureRequest, flow: dict[str, Any]) -> dict[str, Any]:
    """What the SDK saw with one client authentication method."""
    observed: dict[str, Any] = flow["flows"][request.param]
    return observed


def assert_oauth_error(observed: dict[str, Any], status: int, error: str) -> None:
    """The SDK's ResponseBodyError carrying our RFC 6749 error body."""
    assert observed["name"] == "ResponseBodyError", observed
    assert observed["status"] == status, observed
    assert observed["error"] == error, observed
    assert observed["body"]["error"] == error


def test_discovery(flow: dict[str, Any]) -> None:
    issuer = flow["issuer"]
    discovery = flow["discovery"]
    assert discovery["issuer"] == issuer  # the SDK checked it equals the URL it was given
    assert discovery["supportsPKCE"] is True
    assert discovery["authorizationEndpoint"] == f"{issuer}/authorize"
    assert discovery["tokenEndpoint"] == f"{issuer}/oauth/token"
    assert discovery["userinfoEndpoint"] == f"{issuer}/userinfo"
    assert discovery["introspectionEndpoint"] == f"{issuer}/oauth/introspect"
    assert discovery["revocationEndpoint"] == f"{issuer}/oauth/revoke"
    assert discovery["jwksUri"] == f"{issuer}/.well-known/jwks.json"
    assert discovery["issParameterSupported"] is True
    assert discovery["clientId"] == flow["client_id"]
    assert flow["user"]["signUpStatus"] == 200
    assert flow["user"]["signInStatus"] == 200


def test_authorize_sends_the_browser_to_the_login_ui(flow: dict[str, Any], method: dict[str, Any]) -> None:
    assert method["authorize"] == {"status": 302, "path": "/authorize", "locationPath": "/login",
                                   "requestIdIsUuid": True}
    described = method["loginRequest"]
    assert described["status"] == 200
    assert described["clientId"] == flow["client_id"]
    assert described["clientName"] == "openid-client RP"
    assert described["scopes"] == USER_SCOPES
    assert described["redirectUri"] == REDIRECT_URI
    assert described["firstParty"] is False


def test_nhost_login_contract_answers_the_callback(flow: dict[str, Any], method: dict[str, Any]) -> None:
    assert method["callback"] == {"status": 200, "base": REDIRECT_URI, "hasCode": True, "stateMatches": True,
                                  "iss": flow["issuer"]}  # RFC 9207
    # the pending request is used up
    assert method["loginRequestReused"] == {"status": 404, "error": "not-found"}


def test_code_grant_id_token_validated_by_the_sdk(flow: dict[str, Any], method: dict[str, Any]) -> None:
    code = method["code"]
    assert code["tokenType"].lower() == "bearer"
    assert code["scope"].split() == USER_SCOPES
    assert 0 < code["expiresIn"] <= 3600
    assert code["hasRefreshToken"] is True
    user_id = flow["user"]["id"]
    id_token = code["idToken"]
    # openid-client checked iss, aud, exp, iat, nonce, and (non-repudiation on) the signature with our JWKS
    assert id_token["sub"] == user_id
    assert id_token["aud"] == flow["client_id"]
    assert id_token["iss"] == flow["issuer"]
    assert id_token["nonce"]
    assert id_token["email"] == flow["user"]["email"]
    assert id_token["hasAuthTime"] is True
    assert id_token["expInFuture"] is True
    access = code["accessToken"]
    assert access["sub"] == user_id
    assert access["clientId"] == flow["client_id"]
    assert access["iss"] == flow["issuer"]
    assert access["scope"].split() == USER_SCOPES
    assert f"{flow['issuer']}/userinfo" in (access["aud"] if isinstance(access["aud"], list) else [access["aud"]])


def test_code_replay_is_refused(method: dict[str, Any]) -> None:
    replay = method["codeReplay"]
    assert_oauth_error(replay, 403, "invalid_grant")  # 403, as Auth0 answers
    assert replay["refreshAfter"] == {"active": False}  # what the code gave is revoked (RFC 6749 §4.1.2)
    assert method["sessionAfterReplay"]["hasRefreshToken"] is True


def test_refresh_token_grant(flow: dict[str, Any], method: dict[str, Any]) -> None:
    refresh = method["refresh"]
    assert refresh["tokenType"].lower() == "bearer"
    assert refresh["rotated"] is True
    assert refresh["newAccessToken"] is True
    assert refresh["idTokenSub"] == flow["user"]["id"]
    assert refresh["idTokenAud"] == flow["client_id"]
    assert refresh["idTokenNonce"] is None  # no nonce on a refresh (the SDK refuses one it did not expect)
    assert refresh["scope"].split() == USER_SCOPES


def test_userinfo(flow: dict[str, Any], method: dict[str, Any]) -> None:
    assert method["userinfo"]["sub"] == flow["user"]["id"]
    assert method["userinfo"]["email"] == flow["user"]["email"]
    assert method["userinfoWrongSubject"]["code"] == "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED"


def test_introspection(flow: dict[str, Any], method: dict[str, Any]) -> None:
    introspection = method["introspection"]
    user_id = flow["user"]["id"]
    assert introspection["access"]["active"] is True
    assert introspection["access"]["sub"] == user_id
    assert introspection["access"]["clientId"] == flow["client_id"]
    assert introspection["access"]["scope"].split() == USER_SCOPES
    assert introspection["refresh"] == {"active": True, "sub": user_id, "clientId": flow["client_id"],
                                        "tokenType": "refresh_token"}
    assert introspection["rotatedAway"] == {"active": False}


def test_revocation(method: dict[str, Any]) -> None:
    revocation = method["revocation"]
    assert revocation["revoked"] is True  # tokenRevocation wants exactly 200
    assert revocation["refreshAfter"] == {"active": False}
    assert revocation["accessAfter"] == {"active": False}  # the session behind the access token ended
    assert_oauth_error(revocation["refreshGrantAfter"], 403, "invalid_grant")
    userinfo = revocation["userinfoAfter"]
    assert userinfo["name"] == "WWWAuthenticateChallengeError"
    assert userinfo["status"] == 401
    assert userinfo["challenges"][0]["scheme"] == "bearer"
    assert userinfo["challenges"][0]["parameters"]["error"] == "invalid_token"
    assert revocation["unknownTokenOk"] is True


def test_client_credentials(flow: dict[str, Any], method: dict[str, Any]) -> None:
    machine = method["clientCredentials"]
    assert machine["tokenType"].lower() == "bearer"
    assert machine["scope"] == API_SCOPE
    assert machine["expiresIn"] > 0
    assert machine["hasRefreshToken"] is False
    assert machine["hasIdToken"] is False
    access = machine["accessToken"]
    assert access["sub"] == flow["client_id"]
    assert access["clientId"] == flow["client_id"]
    assert access["aud"] in (API, [API])
    assert access["scope"] == API_SCOPE
    assert access["iss"] == flow["issuer"]
    assert machine["byAudience"]["aud"] in (API, [API])
    assert machine["byAudience"]["scope"] == API_SCOPE  # no scope asked: the client's API scopes
    assert machine["introspection"]["active"] is True
    assert machine["introspection"]["clientId"] == flow["client_id"]
    assert_oauth_error(machine["unknownAudience"], 400, "invalid_target")
    assert_oauth_error(machine["unknownScope"], 400, "invalid_scope")


def test_wrong_secret_is_invalid_client(flow: dict[str, Any]) -> None:
    post = flow["flows"]["client_secret_post"]["wrongSecret"]
    assert_oauth_error(post, 401, "invalid_client")
    # With the Authorization header, RFC 6749 §5.2 wants a 401 with a Basic challenge: openid-client raises
    # its WWWAuthenticateChallengeError for the header; the body under it is the same invalid_client.
    basic = flow["flows"]["client_secret_basic"]["wrongSecret"]
    assert basic["name"] == "WWWAuthenticateChallengeError", basic
    assert basic["status"] == 401
    assert basic["challenges"][0]["scheme"] == "basic"
    assert basic["body"]["error"] == "invalid_client"
