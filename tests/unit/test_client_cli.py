"""`authward` user commands without a server: errors, exit codes, server resolution, help."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from authward.cli.user import EXIT_CODES, exit_code_for, register
from authward.cli.user_pat import parse_duration, parse_expiry
from authward.client import (
    AuthError,
    FileStorage,
    InvalidCredentials,
    MfaError,
    NetworkError,
    NotLoggedIn,
    NotSupportedByServer,
    SessionRevoked,
    StoredSession,
)

UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    register(root)
    return root


@pytest.fixture
def session_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "session.json"
    monkeypatch.setenv("AUTHWARD_SESSION_FILE", str(path))
    monkeypatch.delenv("AUTHWARD_URL", raising=False)
    return path


def test_help_lists_the_user_commands(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("login", "logout", "whoami", "token", "verify", "register", "password", "email", "2fa", "pat"):
        assert command in result.output
    assert {"setup", "enable", "disable", "status"} <= set(CliRunner().invoke(app, ["2fa", "--help"]).output.split())
    assert {"create", "list", "revoke"} <= set(CliRunner().invoke(app, ["pat", "--help"]).output.split())
    assert {"reset", "change"} <= set(CliRunner().invoke(app, ["password", "--help"]).output.split())
    assert {"verify", "change"} <= set(CliRunner().invoke(app, ["email", "--help"]).output.split())


def test_pat_lifetimes_parse_and_bad_ones_are_usage_errors() -> None:
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration(" 2W ") == timedelta(weeks=2)
    for bad in ("", "0d", "30", "1y", "-1d"):
        with pytest.raises(typer.BadParameter):
            parse_duration(bad)
    assert parse_expiry(None, "2035-01-01T00:00:00Z") == datetime(2035, 1, 1, tzinfo=UTC)
    assert parse_expiry(None, "2035-01-01").tzinfo is not None  # no zone: local time
    assert timedelta(days=29) < parse_expiry(None, None) - datetime.now(UTC) <= timedelta(days=30)
    with pytest.raises(typer.BadParameter):
        parse_expiry("1d", "2035-01-01")


def test_second_way_to_log_in_is_a_usage_error(app: typer.Typer, session_file: Path) -> None:
    result = CliRunner().invoke(app, ["login", "--magic-link", "a@example.com", "--token", "t"])
    assert result.exit_code == EXIT_CODES["usage"] == 2
    assert "not --token and --magic-link" in result.output


def test_whoami_without_session_exits_3_with_a_hint(app: typer.Typer, session_file: Path) -> None:
    result = CliRunner().invoke(app, ["whoami"])
    assert result.exit_code == EXIT_CODES["not-logged-in"] == 3
    assert "authward login" in result.stderr


def test_json_errors_are_the_wire_error_shape_on_stdout(app: typer.Typer, session_file: Path) -> None:
    result = CliRunner().invoke(app, ["token", "--json"])
    assert result.exit_code == 3
    assert json.loads(result.stdout) == {"status": 401, "error": "not-logged-in", "message": "Not logged in"}


def test_logout_when_logged_out_succeeds(app: typer.Typer, session_file: Path) -> None:
    result = CliRunner().invoke(app, ["logout", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == {"loggedOut": False}


def test_commands_use_the_stored_sessions_server_and_report_it_unreachable(
    app: typer.Typer, session_file: Path
) -> None:
    FileStorage(session_file).save(
        StoredSession(base_url=UNREACHABLE, access_token="a.b.c", refresh_token="r", expires_at=time.time() + 600)
    )
    result = CliRunner().invoke(app, ["whoami"])
    assert result.exit_code == EXIT_CODES["unreachable"] == 5
    assert "GET /user failed" in result.stderr
    other = CliRunner().invoke(app, ["whoami"], env={"AUTHWARD_URL": "http://127.0.0.1:8"})
    assert other.exit_code == 3  # a session is only ever sent to its own server


def test_login_prompts_for_the_password_without_echo(app: typer.Typer, session_file: Path) -> None:
    result = CliRunner().invoke(app, ["login", "--server", UNREACHABLE], input="ada@example.com\nsecret-password\n")
    assert result.exit_code == 5
    assert "Email" in result.output and "Password" in result.output
    assert "secret-password" not in result.output


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (NetworkError("down"), 5),
        (NotSupportedByServer(404, "not-found", "x"), 6),
        (InvalidCredentials(401, "invalid-email-password", "x"), 4),
        (MfaError(401, "invalid-totp", "x"), 4),
        (InvalidCredentials(400, "invalid-otp", "x"), 4),
        (NotLoggedIn(), 3),
        (SessionRevoked(401, "invalid-refresh-token", "x"), 3),
        (AuthError(500, "internal-server-error", "x"), 1),
    ],
)
def test_exit_codes(error: AuthError, code: int) -> None:
    assert exit_code_for(error) == code
