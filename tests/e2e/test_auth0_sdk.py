"""The real `auth0` npm SDK, majors 2 and 4, against the server's Auth0 Authentication API over HTTPS.

Both SDKs only speak `https://{domain}` and check every ID token's `iss` against `https://{domain}/`, so
the server runs with a certificate made here (tests/e2e/tls.py: a throwaway CA and a leaf for localhost and
127.0.0.1) and an https public URL; node trusts the CA through NODE_EXTRA_CA_CERTS and is given
`localhost:<port>` as the domain. Major 2 is `auth0@2.44.1` (installed as `auth0-v2`); major 4 is
`AuthenticationClient` from `auth0/legacy` (auth0@7.1.0 re-exports auth0@4.37.1 there).

`tests/e2e/js/auth0_v2.mjs` and `auth0_v4.mjs` drive the SDKs and print one JSON object of each call's
outcome (the answer, or the SDK error's status, `error` and body); the assertions live here. A grant that
resolved means the SDK's own ID-token validation passed (RS256 against our JWKS by `kid`, iss, aud, exp, iat,
no nonce); the scripts also show both SDKs refusing our ID token under another issuer name, and v4's validator
refusing a tampered signature.
Clients are registered with the real `authward clients create` (grants per client; `--legacy-endpoints`
for /oauth/ro, /delegation and /tokeninfo). Codes and links are read from the dev outbox.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.e2e.conftest import AUTHWARD_BIN, LiveServer
from tests.e2e.tls import Certificates, make_certificates, start_tls_server
from tests.support import IN_CI, create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.e2e

T = TypeVar("T")

JS_DIR = Path(__file__).parent / "js"
SCRIPTS = {"v2": JS_DIR / "auth0_v2.mjs", "v4": JS_DIR / "auth0_v4.mjs"}
BOTH = ("v2", "v4")
AUDIENCE = "https://api.example.com"
CONNECTION = "Username-Password-Authentication"
LOGOUT_URI = "https://app.example.com/bye"
PHONES = {"v2": ("+447911123401", "+447911123402"), "v4": ("+447911123403", "+447911123404")}
CHANGE_PASSWORD_TEXT = "We've just sent you an email to reset your password."
AUTH0_GRANTS = (
    "password",
    "http://auth0.com/oauth/grant-type/password-realm",
    "refresh_token",
    "client_credentials",
    "http://auth0.com/oauth/grant-type/passwordless/otp",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-recovery-code",
)
# What a client without the grant gets (the issue: "each grant refused ... with the right error and status").
REFUSED = (403, "unauthorized_client")
# The v2 legacy endpoints for a client registered without --legacy-endpoints.
LEGACY_REFUSED = (403, "unauthorized_client")


def _node() -> str:
    node = shutil.which("node")
    installed = all((JS_DIR / "node_modules" / name / "package.json").is_file()
                    for name in ("auth0", "auth0-v2", "auth0-legacy"))
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
    assert done.returncode == 0, f"authward clients create {' '.join(args)}:\n{done.stderr}"
    created: dict[str, str] = json.loads(done.stdout)
    return created


def _run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """A coroutine run to the end on its own loop, in a thread (the session's loop may be running)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def auth0_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _postgres_ok: bool,
                 certificates: Certificates) -> Iterator[LiveServer]:
    """The server over HTTPS at https://localhost:<port>, in dev mode (the outbox), SMS passwordless on."""
    _node()
    workdir = tmp_path_factory.mktemp("auth0-server")
    database_url: str | None = None
    if request.param == "postgres":
        if not _postgres_ok:
            pytest.skip("PostgreSQL not reachable (runs in CI)")
        database_url = _run_async(create_postgres_database())
    server = start_tls_server(workdir, database_url or f"sqlite:///{workdir / 'authward.db'}", certificates,
                              dev_mode=True, sms_passwordless_enabled=True, sms_provider="log")
    yield server
    server.stop()
    if database_url is not None:
        _run_async(drop_postgres_database(database_url))


@pytest.fixture(scope="module")
def clients(auth0_server: LiveServer) -> dict[str, dict[str, str]]:
    """The app (every Auth0 grant, legacy endpoints), one allowed none of them, one without legacy endpoints."""
    grants = [arg for grant in AUTH0_GRANTS for arg in ("--grant", grant)]
    scopes = [arg for scope in ("openid", "profile", "email", "offline_access") for arg in ("--scope", scope)]
    main = create_client(auth0_server, "--name", "Auth0 SDK app", *grants, "--audience", AUDIENCE, *scopes,
                         "--post-logout-redirect-uri", LOGOUT_URI, "--legacy-endpoints")
    restricted = create_client(auth0_server, "--name", "Code-only app", "--grant", "authorization_code",
                               "--redirect-uri", "https://code.example.com/callback", "--audience", AUDIENCE,
                               *scopes)
    no_legacy = create_client(auth0_server, "--name", "No legacy app", "--grant", "password",
                              "--grant", "refresh_token", *scopes)
    return {"main": main, "restricted": restricted, "no_legacy": no_legacy}


@pytest.fixture(scope="module")
def runs(auth0_server: LiveServer, clients: dict[str, dict[str, str]],
         certificates: Certificates) -> dict[str, dict[str, Any]]:
    """Each SDK major's script, run once against the server; what it saw, by major."""
    node = _node()
    domain = auth0_server.url.removeprefix("https://")
    seen: dict[str, dict[str, Any]] = {}
    for major, script in SCRIPTS.items():
        env = {
            "PATH": str(Path(node).parent), "NODE_EXTRA_CA_CERTS": str(certificates.ca), "DOMAIN": domain,
            "CLIENT_ID": clients["main"]["client_id"], "CLIENT_SECRET": clients["main"]["client_secret"],
            "RESTRICTED_CLIENT_ID": clients["restricted"]["client_id"],
            "RESTRICTED_CLIENT_SECRET": clients["restricted"]["client_secret"],
            "NO_LEGACY_CLIENT_ID": clients["no_legacy"]["client_id"],
            "NO_LEGACY_CLIENT_SECRET": clients["no_legacy"]["client_secret"],
            "AUDIENCE": AUDIENCE, "CONNECTION": CONNECTION, "LOGOUT_URI": LOGOUT_URI,
            "RUN_ID": uuid.uuid4().hex[:8], "PHONE_1": PHONES[major][0], "PHONE_2": PHONES[major][1],
        }
        done = subprocess.run([node, str(script)], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.fail(f"{script.name} exited {done.returncode}:\n{done.stderr}\n--- server log ---\n"
                        f"{auth0_server.log()}")
        seen[major] = json.loads(done.stdout)
        # kept beside the server log, to read when an assertion below fails
        (auth0_server.log_path.parent / f"auth0-{major}.json").write_text(json.dumps(seen[major], indent=1))
        seen[major]["client_id"] = clients["main"]["client_id"]
        seen[major]["restricted_client_id"] = clients["restricted"]["client_id"]
        seen[major]["issuer"] = f"{auth0_server.url}/"
        seen[major]["port"] = domain.rpartition(":")[2]
    return seen


# --- reading what the scripts recorded ---

def ok(run: dict[str, Any], name: str) -> dict[str, Any]:
    """A step that must have succeeded; the failure message is the SDK error it recorded."""
    step: dict[str, Any] = run[name]
    assert step.get("ok") is True, f"{name} (auth0 v{run['sdk']['major']}): {json.dumps(step, indent=1)}"
    return step


def refused(observed: dict[str, Any], status: int, error: str) -> None:
    """A call that must have failed with this HTTP status and Auth0 `error` (or `code`)."""
    assert observed.get("failed") is True, f"succeeded but should have failed: {json.dumps(observed)}"
    assert (observed["statusCode"], observed["error"]) == (status, error), json.dumps(observed, indent=1)


def as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def user_id(run: dict[str, Any]) -> str:
    data: dict[str, Any] = ok(run, "signUp")["data"]
    return str(data["_id"])


def assert_user_id_token(run: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """An ID token that the SDK accepted, for the app, from our issuer, without a nonce nobody asked for."""
    assert step["hasIdToken"] is True, step
    header, claims = step["idToken"]["header"], step["idToken"]["claims"]
    assert header["alg"] == "RS256"
    assert header["kid"]
    assert claims["iss"] == run["issuer"]
    assert run["client_id"] in as_list(claims["aud"])
    assert "nonce" not in claims
    assert isinstance(claims["exp"], int) and isinstance(claims["iat"], int)
    assert isinstance(claims["sub"], str) and claims["sub"]
    claims_: dict[str, Any] = claims
    return claims_


@pytest.fixture(params=BOTH)
def sdk(request: pytest.FixtureRequest, runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    run: dict[str, Any] = runs[request.param]
    return run


# --- transport ---

def test_the_sdk_versions_under_test(runs: dict[str, dict[str, Any]]) -> None:
    assert runs["v2"]["sdk"]["version"] == "2.44.1"
    assert runs["v4"]["sdk"]["auth0"] == "7.1.0"
    assert runs["v4"]["sdk"]["version"] == "4.37.1"  # what auth0@7's `auth0/legacy` loads


def test_discovery_and_keys_over_https_with_the_test_ca(runs: dict[str, dict[str, Any]]) -> None:
    discovery = ok(runs["v4"], "discovery")
    assert discovery["status"] == 200
    assert discovery["issuer"] == runs["v4"]["issuer"]  # https://localhost:PORT/ (trailing slash)
    assert discovery["tokenEndpoint"] == f"{runs['v4']['issuer']}oauth/token"
    assert discovery["jwksStatus"] == 200 and discovery["kids"]


# --- database connection ---

def test_sign_up(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "signUp")
    data = step["data"]
    assert isinstance(data["_id"], str) and data["_id"]
    assert data["email"] == step["sent"]["email"]
    assert data["email_verified"] is False
    if sdk["sdk"]["major"] == 4:
        assert step["status"] == 200
        assert data["id"] == data["_id"]  # the SDK copies _id into id


def test_sign_up_duplicate_is_user_exists(sdk: dict[str, Any]) -> None:
    duplicate = sdk["signUpDuplicate"]
    refused(duplicate, 400, "user_exists")
    body = duplicate["body"]
    assert body["name"] == "BadRequestError"
    assert body["code"] == "user_exists"
    assert body["statusCode"] == 400
    assert isinstance(body["description"], str) and body["description"]
    if sdk["sdk"]["major"] == 4:  # the SDK maps code/description onto error/error_description
        assert duplicate["kind"] == "AuthApiError"
        assert duplicate["error_description"] == body["description"]


def test_sign_up_short_password_is_invalid_password(sdk: dict[str, Any]) -> None:
    short = sdk["signUpShortPassword"]
    refused(short, 400, "invalid_password")
    assert short["body"]["name"] == "BadRequestError" and short["body"]["statusCode"] == 400


# --- password grants ---

def test_password_grant_and_the_sdk_validates_its_id_token(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "passwordGrant")
    assert step["validatedBySdk"] is True
    assert step["token_type"] == "Bearer"
    assert isinstance(step["expires_in"], int) and step["expires_in"] > 0
    assert step["hasRefreshToken"] is True  # offline_access
    claims = assert_user_id_token(sdk, step)
    assert claims["sub"].endswith(user_id(sdk))  # Auth0's sub may prefix the connection ("auth0|<_id>")
    assert claims["email"] == sdk["signUp"]["sent"]["email"]
    access = step["accessToken"]["claims"]
    assert AUDIENCE in as_list(access["aud"])
    assert access["sub"] == claims["sub"]
    assert access["iss"] == sdk["issuer"]


def test_the_sdk_refuses_our_id_token_under_another_issuer_name(sdk: dict[str, Any]) -> None:
    other = sdk["idTokenOtherDomain"]
    assert other["failed"] is True, other
    expected = f"https://127.0.0.1:{sdk['port']}/"
    if sdk["sdk"]["major"] == 4:
        assert other["kind"] == "IdTokenValidatorError", other
        assert other["message"] == (f'Issuer (iss) claim mismatch in the ID token; expected "{expected}", '
                                    f'found "{sdk["issuer"]}"')
    else:  # jsonwebtoken, after jwks-rsa fetched our key by kid over https://127.0.0.1:PORT
        assert other["name"] == "JsonWebTokenError", other
        assert other["message"] == f"jwt issuer invalid. expected: {expected}"


def test_v4_validator_checks_the_rs256_signature_against_our_jwks(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v4"]
    assert ok(run, "idTokenRevalidated")["valid"] is True
    tampered = run["idTokenTampered"]
    assert tampered["failed"] is True
    assert tampered["code"] == "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", tampered


def test_wrong_password_is_invalid_grant(sdk: dict[str, Any]) -> None:
    refused(sdk["passwordGrantWrongPassword"], 403, "invalid_grant")


def test_password_realm(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "passwordRealm")
    claims = assert_user_id_token(sdk, step)
    assert claims["sub"] == ok(sdk, "passwordGrant")["idToken"]["claims"]["sub"]
    assert step["token_type"] == "Bearer"


def test_v2_oauth_ro_with_the_database_connection(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v2"]
    step = ok(run, "roDatabase")  # database.signIn -> POST /oauth/ro {connection, username, password}
    claims = assert_user_id_token(run, step)
    assert claims["sub"] == ok(run, "passwordGrant")["idToken"]["claims"]["sub"]


# --- refresh and revoke ---

def test_refresh(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "refresh")
    assert step["token_type"] == "Bearer"
    sub = ok(sdk, "passwordGrant")["idToken"]["claims"]["sub"]
    assert step["accessToken"]["claims"]["sub"] == sub
    if step["hasIdToken"]:  # the SDK validated it: no nonce on a refresh
        assert assert_user_id_token(sdk, step)["sub"] == sub


def test_revoke_then_refresh_is_refused(sdk: dict[str, Any]) -> None:
    revoke = ok(sdk, "revoke")  # POST /oauth/revoke, JSON body
    if sdk["sdk"]["major"] == 4:
        assert revoke["status"] == 200
    refused(sdk["refreshAfterRevoke"], 403, "invalid_grant")


# --- client credentials ---

def test_client_credentials(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "clientCredentials")
    assert step["token_type"] == "Bearer"
    assert step["hasIdToken"] is False and step["hasRefreshToken"] is False
    access = step["accessToken"]["claims"]
    assert AUDIENCE in as_list(access["aud"])
    assert access["sub"] == sdk["client_id"]
    assert access["iss"] == sdk["issuer"]


def test_client_credentials_wrong_secret(sdk: dict[str, Any]) -> None:
    wrong = sdk["clientCredentialsWrongSecret"]
    assert wrong["failed"] is True, wrong
    assert wrong["statusCode"] == 401, wrong
    assert wrong["error"] in ("invalid_client", "access_denied"), wrong


# --- userinfo ---

def test_userinfo_in_auth0_profile_shape(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "userinfo")
    profile = step["data"]
    # what the sign-up gave (name, nickname, picture) comes back
    expected = {"sub": ok(sdk, "passwordGrant")["idToken"]["claims"]["sub"], "name": "Ada Lovelace", "nickname": "ada",
                "picture": "https://example.com/ada.png", "email": sdk["signUp"]["sent"]["email"],
                "email_verified": False}
    assert {key: profile.get(key) for key in expected} == expected
    # Auth0 answers an ISO 8601 string, OIDC Core a number of seconds: either names the last change
    assert isinstance(profile["updated_at"], (str, int)) and profile["updated_at"]
    if sdk["sdk"]["major"] == 4:
        assert step["status"] == 200


# --- change password ---

def test_change_password_answers_auth0_text_and_mails_a_link(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "changePassword")
    # Auth0 answers the sentence as a JSON string: v4 reads the body as text, v2 parses it
    expected = json.dumps(CHANGE_PASSWORD_TEXT) if sdk["sdk"]["major"] == 4 else CHANGE_PASSWORD_TEXT
    assert step["text"] == expected
    assert step["mail"]["hasLink"] is True
    assert step["mail"]["link"].startswith(sdk["issuer"]), step["mail"]


# --- passwordless ---

def test_passwordless_email_code_otp_grant(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "passwordlessEmailCode")  # /passwordless/start send=code, then the OTP grant, realm email
    claims = assert_user_id_token(sdk, step)
    assert claims["email"] == step["email"]
    assert claims["email_verified"] is True  # the code proved the address
    if sdk["sdk"]["major"] == 4:
        assert (step["sendStatus"], step["status"]) == (200, 200)


def test_v2_passwordless_email_code_oauth_ro(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v2"]
    step = ok(run, "roEmailCode")  # passwordless.signIn({connection: 'email', password: code}) -> /oauth/ro
    claims = assert_user_id_token(run, step)
    assert claims["email"] == step["email"]


def test_passwordless_sms_code_otp_grant(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "passwordlessSmsCode")  # /passwordless/start connection=sms, then the OTP grant, realm sms
    claims = assert_user_id_token(sdk, step)
    assert step["accessToken"]["claims"]["sub"] == claims["sub"]
    if sdk["sdk"]["major"] == 4:
        assert (step["sendStatus"], step["status"]) == (200, 200)


def test_v2_passwordless_sms_code_oauth_ro(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v2"]
    step = ok(run, "roSmsCode")  # verifySMSCode({phone_number, code}) -> /oauth/ro connection sms
    claims = assert_user_id_token(run, step)
    assert claims["sub"] != ok(run, "passwordlessSmsCode")["idToken"]["claims"]["sub"]  # another number


def test_magic_link(sdk: dict[str, Any]) -> None:
    step = ok(sdk, "magicLink")
    followed = step["followed"]
    assert followed["error"] is None, followed
    assert followed["finalStatus"] in (302, 303), followed
    carried = set(followed["carries"])
    assert carried & {"refreshToken", "access_token", "id_token", "code"}, followed
    if "refreshToken" in carried:  # the session it hands over is the address's
        assert followed["signedInAs"] == {"status": 200, "email": step["email"]}, followed


# --- delegation, tokeninfo, token exchange ---

def test_v2_delegation(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v2"]
    step = ok(run, "delegation")
    subject = step["subjectIdToken"]["claims"]
    claims = step["idToken"]["claims"]
    assert claims["iss"] == run["issuer"]
    assert claims["aud"] == run["restricted_client_id"]  # the target
    assert claims["sub"] == subject["sub"]
    assert step["token_type"] == "Bearer"


def test_v2_tokeninfo(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v2"]
    profile = ok(run, "tokeninfo")["data"]
    assert str(profile.get("user_id", profile.get("sub"))).endswith(user_id(run))
    # the user as signed up
    expected = {"email": run["signUp"]["sent"]["email"], "email_verified": False, "name": "Ada Lovelace",
                "nickname": "ada", "picture": "https://example.com/ada.png", "given_name": "Ada",
                "family_name": "Lovelace"}
    assert {key: profile.get(key) for key in expected} == expected


def test_v4_token_exchange(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v4"]
    step = ok(run, "tokenExchange")
    assert step["differs"] is True
    access = step["accessToken"]["claims"]
    assert AUDIENCE in as_list(access["aud"])
    assert AUDIENCE not in as_list(step["subjectAccessToken"]["claims"].get("aud", []))
    assert access["sub"] == step["subjectAccessToken"]["claims"]["sub"]
    assert step["token_type"] in ("Bearer", "N_A")
    assert step["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"


# --- MFA ---

def test_mfa_required_then_mfa_otp(sdk: dict[str, Any]) -> None:
    ok(sdk, "mfaEnrol")
    required = sdk["mfaRequired"]
    refused(required, 403, "mfa_required")
    assert isinstance(required["body"]["mfa_token"], str) and required["body"]["mfa_token"]
    challenge = ok(sdk, "mfaChallenge")
    assert challenge["status"] == 200
    assert challenge["body"]["challenge_type"] == "otp"
    step = ok(sdk, "mfaOtp")
    claims = assert_user_id_token(sdk, step)
    assert step["accessToken"]["claims"]["sub"] == claims["sub"]


def test_mfa_recovery_code(sdk: dict[str, Any]) -> None:
    refused(sdk["mfaRequiredAgain"], 403, "mfa_required")
    step = ok(sdk, "mfaRecoveryCode")
    assert step["hasIdToken"] is True


# --- logout ---

def test_logout_redirects_to_a_registered_return_to(runs: dict[str, dict[str, Any]]) -> None:
    logout = ok(runs["v4"], "logout")
    assert logout["allowed"] == {"status": 302, "location": LOGOUT_URI}
    unregistered = logout["unregistered"]
    assert (unregistered["status"], unregistered["location"]) == (400, None), unregistered


# --- refusals ---

def test_each_grant_refused_for_a_client_not_allowed_it(sdk: dict[str, Any]) -> None:
    refusals = sdk["refusals"]
    wrong = {name: {k: seen.get(k) for k in ("failed", "statusCode", "error", "error_description")}
             for name, seen in refusals.items()
             if not (seen.get("failed") and (seen["statusCode"], seen["error"]) == REFUSED)}
    assert not wrong, f"expected {REFUSED} for each: {json.dumps(wrong, indent=1)}"
    assert set(refusals) == {"password", "password-realm", "refresh_token", "client_credentials", "token-exchange",
                             "passwordless/otp email", "passwordless/otp sms", "mfa-otp", "mfa-recovery-code"}


def test_v2_legacy_endpoints_refused_without_legacy_endpoints(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["v2"]
    ok(run, "noLegacyPasswordGrant")
    refusals = run["legacyRefusals"]
    assert set(refusals) == {"oauth/ro database", "oauth/ro sms", "delegation", "tokeninfo"}
    wrong = {name: {k: seen.get(k) for k in ("failed", "statusCode", "error", "error_description")}
             for name, seen in refusals.items()
             if not (seen.get("failed") and (seen["statusCode"], seen["error"]) == LEGACY_REFUSED)}
    assert not wrong, f"expected {LEGACY_REFUSED} for each: {json.dumps(wrong, indent=1)}"
