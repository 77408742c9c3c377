"""TOTP, magic link, email and SMS codes, anonymous users, PATs, the PKCE exchange and phone-number change
through the real `@nhost/nhost-js` v4 SDK.

Four scripts in `tests/e2e/js` (`nhost_mfa.mjs`, `nhost_email.mjs`, `nhost_more.mjs`, `nhost_pkce_phone.mjs`) drive one real
server process per database backend, concurrently (each uses its own users), and print what they saw
as JSON; the assertions live here. Codes come from otplib (TOTP) and the dev outbox (`GET /dev/outbox`).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, ServerFactory
from tests.e2e.test_nhost_js import JS_DIR, _node, assert_sdk_error

pytestmark = pytest.mark.e2e

SCRIPTS = {"mfa": "nhost_mfa.mjs", "email": "nhost_email.mjs", "more": "nhost_more.mjs",
           "pkce_phone": "nhost_pkce_phone.mjs"}


@dataclass
class ScriptRun:
    """One script's exit code and output, kept so each test fails on its own script's error."""

    name: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Runs:
    server: LiveServer
    runs: dict[str, ScriptRun]

    def result(self, key: str) -> dict[str, Any]:
        run = self.runs[key]
        if run.returncode != 0:
            pytest.fail(f"{run.name} exited {run.returncode}:\n{run.stderr}\n--- server log ---\n{self.server.log()}")
        observed: dict[str, Any] = json.loads(run.stdout)
        return observed


def run_scripts(server: LiveServer) -> dict[str, ScriptRun]:
    """Starts every script at once against `server` and waits for all of them."""
    node = _node()
    env = {"PATH": str(Path(node).parent), "AUTH_URL": f"{server.url}/v1", "SERVER_URL": server.url}
    processes = {
        key: subprocess.Popen(
            [node, name], cwd=JS_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for key, name in SCRIPTS.items()
    }
    runs: dict[str, ScriptRun] = {}
    for key, process in processes.items():
        try:
            stdout, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            stderr += "\n(timed out after 60 s)"
        runs[key] = ScriptRun(SCRIPTS[key], process.returncode, stdout, stderr)
    return runs


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def flows(request: pytest.FixtureRequest, server_factory: ServerFactory) -> Runs:
    """One server per backend with every flow on: dev outbox, anonymous users, SMS (provider `log`),
    and elevated sessions required (so creating a PAT proves a fresh sign-in is needed)."""
    _node()
    server = server_factory(
        database=request.param,
        dev_mode=True,
        anonymous_users_enabled=True,
        sms_passwordless_enabled=True,
        sms_provider="log",
        email_verification_required=False,
        require_elevated_claim=True,
    )
    return Runs(server, run_scripts(server))


# --- TOTP (issue 5, docs/2fa.md) ---


def test_totp_generate_and_activate(flows: Runs) -> None:
    mfa = flows.result("mfa")
    assert mfa["generate"] == {
        "status": 200,
        "imageUrlPrefix": "data:image/png;base64,",
        "pngMagic": "PNG",  # the data URL holds a real PNG
        "secretIsBase32": True,
        "secretLength": 32,  # 160 bits
    }
    assert mfa["activate"] == {"status": 200, "body": "OK", "activeMfaType": "totp"}


def test_totp_sign_in_needs_the_second_factor(flows: Runs) -> None:
    mfa = flows.result("mfa")
    assert mfa["signIn"] == {"status": 200, "session": None, "ticketPrefix": "mfaTotp", "sdkStoredNothing": True}
    # the code that activated TOTP is spent; the next step's otplib code completes the sign-in
    assert_sdk_error(mfa["activationCodeReplayed"], 401, "invalid-totp")
    assert mfa["complete"] == {
        "status": 200,
        "sameUser": True,
        "activeMfaType": "totp",
        "amr": ["pwd", "otp", "mfa"],
        "elevated": True,
        "storedBySdk": True,
    }


def test_totp_code_and_ticket_are_single_use(flows: Runs) -> None:
    mfa = flows.result("mfa")
    assert_sdk_error(mfa["replayedOnNewTicket"], 401, "invalid-totp")
    assert_sdk_error(mfa["usedTicket"], 401, "invalid-ticket")


# --- magic link and email code (issue 4, docs/email.md) ---


def test_magic_link_from_the_outbox_gives_a_session(flows: Runs) -> None:
    email = flows.result("email")
    link = email["magicLink"]
    assert link["askStatus"] == 200 and link["askBody"] == "OK"
    assert link["subject"] == "Your sign-in link"
    assert link["ticketType"] == "passwordlessEmail"
    assert link["linkType"] == "signinPasswordless"  # Nhost's link query; the redirect says passwordlessEmail
    assert link["linkRedirectTo"] == "http://localhost:3000/welcome?from=mail"
    assert link["redirectStatus"] == 302
    assert link["redirectedTo"] == "http://localhost:3000/welcome"  # the allowed redirectTo, its query kept
    assert link["keptQuery"] == "mail"
    assert link["type"] == "passwordlessEmail"
    assert link["hasRefreshToken"] is True
    assert link["email"].startswith("nhost-js-email-") and link["email"].endswith("@example.com")
    assert link["emailVerified"] is True
    assert link["displayName"] == "Magic Link"  # the sign-up options travelled in the ticket
    assert link["amr"] == ["email"]
    assert link["storedBySdk"] is True
    assert email["magicLinkReused"] == {"status": 302, "error": "invalid-ticket", "hasRefreshToken": False}


def test_email_otp_from_the_outbox_gives_a_session(flows: Runs) -> None:
    email = flows.result("email")
    assert_sdk_error(email["otpWrongCode"], 400, "invalid-otp")
    otp = email["otp"]
    assert otp["askStatus"] == 200 and otp["askBody"] == "OK"
    assert otp["subject"] == "Your sign-in code"
    assert otp["verifyStatus"] == 200
    assert otp["mfa"] is None
    assert otp["email"] == email["magicLink"]["email"]
    assert otp["emailVerified"] is True
    assert otp["sameUserAsMagicLink"] is True
    assert otp["amr"] == ["otp"]
    assert otp["storedBySdk"] is True
    assert_sdk_error(email["otpReused"], 400, "invalid-otp")


# --- anonymous users, PATs, SMS (issue 6, docs/anonymous.md, docs/pat.md, docs/sms.md) ---


def test_anonymous_sign_in(flows: Runs) -> None:
    more = flows.result("more")
    assert more["anonymous"] == {
        "status": 200,
        "isAnonymous": True,
        "email": None,
        "defaultRole": "anonymous",
        "claimIsAnonymous": "true",
        "claimDefaultRole": "anonymous",
        "claimAllowedRoles": ["anonymous"],
        "sdkDecodedIsAnonymous": "true",
        "amr": ["anon"],
    }
    # an anonymous session proves nothing, so it is not elevated: no PAT for it
    assert_sdk_error(more["anonymousCreatePat"], 401, "elevated-claim-required")


def test_deanonymize_keeps_the_user_id(flows: Runs) -> None:
    more = flows.result("more")
    deanonymized = more["deanonymize"]
    assert deanonymized["status"] == 200 and deanonymized["body"] == "OK"
    assert deanonymized["sameUserId"] is True
    assert deanonymized["isAnonymous"] is False
    assert deanonymized["email"].startswith("nhost-js-anon-")
    assert deanonymized["metadata"] == {"cart": [42]}  # the anonymous user's data stays
    assert deanonymized["defaultRole"] == "user"
    assert deanonymized["claimIsAnonymous"] == "false"
    assert deanonymized["claimDefaultRole"] == "user"


def test_pat_needs_a_fresh_sign_in_and_signs_in(flows: Runs) -> None:
    more = flows.result("more")
    assert_sdk_error(more["createPatNotElevated"], 401, "elevated-claim-required")
    assert more["pat"] == {
        "createStatus": 200,
        "hasId": True,
        "tokenShape": True,
        "signInStatus": 200,
        "sameUser": True,
        "amr": ["pat"],
        "elevated": False,
        "storedBySdk": True,
    }
    # a leaked PAT cannot mint more PATs
    assert_sdk_error(more["createPatFromPatSession"], 401, "elevated-claim-required")
    assert_sdk_error(more["unknownPat"], 401, "invalid-pat")


def test_sms_code_from_the_outbox_gives_a_session(flows: Runs) -> None:
    more = flows.result("more")
    assert more["sms"] == {
        "askStatus": 200,
        "askBody": "OK",
        "channel": "sms",
        "outboxTo": "+14155552671",
        "verifyStatus": 200,
        "mfa": None,
        "phoneNumber": "+14155552671",
        "phoneNumberVerified": True,
        "displayName": "Sam",
        "amr": ["sms"],
        "storedBySdk": True,
    }
    assert_sdk_error(more["smsReused"], 400, "invalid-otp")


# --- PKCE exchange and phone-number change (issue 16, docs/email.md, docs/sms.md) ---


def test_magic_link_with_a_code_challenge_redirects_with_a_code_for_the_exchange(flows: Runs) -> None:
    observed = flows.result("pkce_phone")
    assert observed["pkce"] == {
        "askStatus": 200,
        "redirectStatus": 302,
        "redirectedTo": "http://localhost:3000/callback",
        "type": "passwordlessEmail",
        "hasCode": True,
        "hasRefreshToken": False,  # the code replaces the refresh token in the URL
        "exchangeStatus": 200,
        "email": observed["pkce"]["email"],
        "emailVerified": True,
        "amr": ["email"],
        "refreshWorks": 200,
    }
    assert observed["pkce"]["email"].startswith("nhost-js-pkce-")
    assert_sdk_error(observed["pkceWrongVerifier"], 400, "invalid-request")
    assert_sdk_error(observed["pkceReplayed"], 400, "invalid-request")


def test_phone_number_change_through_the_sdk_fetch_chain(flows: Runs) -> None:
    observed = flows.result("pkce_phone")
    assert_sdk_error(observed["phoneWrongCode"], 400, "invalid-otp")
    phone = observed["phone"]
    assert phone["changeStatus"] == 200 and phone["changeBody"] == "OK"
    assert phone["verifyStatus"] == 200 and phone["verifyBody"] == "OK"
    assert phone["phoneNumber"].startswith("+1415555") and phone["phoneNumberVerified"] is True
    assert phone["sameUserBySms"] is True
    assert_sdk_error(observed["phoneTaken"], 409, "user-already-exists")
