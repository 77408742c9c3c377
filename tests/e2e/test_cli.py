"""`authward` user commands against the real server: through CliRunner, and once as a real process."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
import uuid
from pathlib import Path

import pyotp
import pytest
from typer.testing import CliRunner

from authward.cli.main import app
from authward.client import AuthClient, TokenVerifier
from tests.e2e.conftest import AUTHWARD_BIN, LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def new_user(server: LiveServer) -> str:
    email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
    with AuthClient(server.url) as client:
        client.register(email, PASSWORD)
        client.logout()
    return email


@pytest.fixture
def env(live_server: LiveServer, tmp_path: Path) -> dict[str, str]:
    return {"AUTHWARD_URL": live_server.url, "AUTHWARD_SESSION_FILE": str(tmp_path / "session.json")}


def test_login_whoami_token_logout(live_server: LiveServer, env: dict[str, str]) -> None:
    email = new_user(live_server)
    runner = CliRunner()
    login = runner.invoke(app, ["login"], input=f"{email}\n{PASSWORD}\n", env=env)
    assert login.exit_code == 0, login.output
    assert PASSWORD not in login.output and f"as {email}" in login.output
    assert stat.S_IMODE(Path(env["AUTHWARD_SESSION_FILE"]).stat().st_mode) == 0o600

    whoami = runner.invoke(app, ["whoami", "--json"], env=env)
    assert whoami.exit_code == 0 and json.loads(whoami.stdout)["email"] == email
    assert email in runner.invoke(app, ["whoami"], env=env).stdout

    token = runner.invoke(app, ["token"], env=env).stdout.strip()
    assert TokenVerifier.for_server(live_server.url).verify(token).user_id == json.loads(whoami.stdout)["id"]

    assert runner.invoke(app, ["logout"], env=env).exit_code == 0
    after = runner.invoke(app, ["whoami"], env=env)
    assert after.exit_code == 3 and "authward login" in after.stderr


def test_wrong_password_exits_4(live_server: LiveServer, env: dict[str, str]) -> None:
    email = new_user(live_server)
    result = CliRunner().invoke(app, ["login", "-e", email, "--json"], input="wrong password!!\n", env=env)
    assert result.exit_code == 4
    assert json.loads(result.stdout)["error"] == "invalid-email-password"


def test_two_factor_setup_enable_login_with_code_status_disable(live_server: LiveServer, env: dict[str, str]) -> None:
    email = new_user(live_server)
    runner = CliRunner()
    assert runner.invoke(app, ["login", "-e", email], input=f"{PASSWORD}\n", env=env).exit_code == 0
    off = runner.invoke(app, ["2fa", "status", "--json"], env=env)
    assert off.exit_code == 0 and json.loads(off.stdout)["enabled"] is False

    setup = runner.invoke(app, ["2fa", "setup"], env=env)
    assert setup.exit_code == 0, setup.output
    assert "▀" in setup.stdout or "█" in setup.stdout  # the QR code, drawn with block characters
    setup_json = runner.invoke(app, ["2fa", "setup", "--json"], env=env)
    secret = json.loads(setup_json.stdout)["totpSecret"]
    assert json.loads(setup_json.stdout)["otpauthUrl"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(secret)
    assert runner.invoke(app, ["2fa", "enable", "000000"], env=env).exit_code == 4
    enable = runner.invoke(app, ["2fa", "enable", totp.now()], env=env)
    assert enable.exit_code == 0, enable.output
    on = json.loads(runner.invoke(app, ["2fa", "status", "--json"], env=env).stdout)
    assert on["enabled"] is True and on["recoveryCodesRemaining"] > 0

    runner.invoke(app, ["logout"], env=env)
    next_code = totp.at(time.time() + 30)  # this step's code was spent on `enable`
    login = runner.invoke(app, ["login", "-e", email], input=f"{PASSWORD}\n{next_code}\n", env=env)
    assert login.exit_code == 0, login.output
    assert "Authenticator code" in login.output

    disable = runner.invoke(app, ["2fa", "disable"], input=f"{PASSWORD}\n", env=env)
    assert disable.exit_code == 0, disable.output
    assert json.loads(runner.invoke(app, ["2fa", "status", "--json"], env=env).stdout)["enabled"] is False


def test_the_installed_command_as_a_real_process(live_server: LiveServer, tmp_path: Path) -> None:
    email = new_user(live_server)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")},
        "AUTHWARD_URL": live_server.url,
        "AUTHWARD_SESSION_FILE": str(tmp_path / "session.json"),
    }

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([AUTHWARD_BIN, *args], input=stdin, env=env, capture_output=True, text=True, timeout=60)

    login = run("login", "--email", email, "--password-stdin", stdin=f"{PASSWORD}\n")
    assert login.returncode == 0, login.stderr
    whoami = run("whoami", "--json")
    assert whoami.returncode == 0 and json.loads(whoami.stdout)["email"] == email
    token = run("token")
    assert token.returncode == 0 and token.stdout.count(".") == 2
    assert run("logout").returncode == 0
    assert run("whoami").returncode == 3
    assert run("whoami", "--server", "http://127.0.0.1:9").returncode == 3  # no session for that server
    env["AUTHWARD_URL"] = "http://127.0.0.1:9"
    unreachable = run("login", "--email", email, "--password-stdin", stdin=f"{PASSWORD}\n")
    assert unreachable.returncode == 5 and "failed" in unreachable.stderr
