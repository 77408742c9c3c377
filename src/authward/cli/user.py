"""User commands of `authward`: login, logout, whoami, token and 2fa, on the Python SDK.

The session is kept in a FileStorage (`~/.config/authward/session.json`, or
`$AUTHWARD_SESSION_FILE`). The server is `--server`, else `$AUTHWARD_URL`, else the server of the
stored session, else http://127.0.0.1:4000. `--json` prints machine-readable output on stdout
(errors too, as `{"status", "error", "message"}`); otherwise output is for people.

Exit codes:
  0  success
  1  the server refused the request or failed (any other error)
  2  usage error (unknown option, missing argument)
  3  not logged in, or the session expired or was revoked: run `authward login`
  4  wrong credentials or code (email/password, TOTP code, personal access token)
  5  the server could not be reached
  6  this server version does not support the command
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import segno
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from authward.client import (
    AuthClient,
    AuthError,
    FileStorage,
    InvalidCredentials,
    InvalidToken,
    MfaError,
    MfaStatus,
    NetworkError,
    NotLoggedIn,
    NotSupportedByServer,
    SessionRevoked,
    Unauthenticated,
    User,
)
from authward.client.core import DEFAULT_BASE_URL

__all__ = ["EXIT_CODES", "exit_code_for", "register"]

EXIT_CODES = {
    "ok": 0,
    "error": 1,
    "usage": 2,
    "not-logged-in": 3,
    "rejected": 4,
    "unreachable": 5,
    "unsupported": 6,
}

ServerOption = Annotated[
    str | None,
    typer.Option("--server", "-s", envvar="AUTHWARD_URL", help="Server URL [default: the logged-in server]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def exit_code_for(error: AuthError) -> int:
    if isinstance(error, NetworkError):
        return EXIT_CODES["unreachable"]
    if isinstance(error, NotSupportedByServer):
        return EXIT_CODES["unsupported"]
    if isinstance(error, InvalidCredentials | MfaError):
        return EXIT_CODES["rejected"]
    if isinstance(error, NotLoggedIn | SessionRevoked | Unauthenticated | InvalidToken):
        return EXIT_CODES["not-logged-in"]
    return EXIT_CODES["error"]


@contextmanager
def _reported(as_json: bool) -> Iterator[None]:
    """Turn SDK errors into one line of output and the documented exit code."""
    try:
        yield
    except AuthError as exc:
        if as_json:
            typer.echo(json.dumps(exc.to_dict()))
        else:
            hint = "; run `authward login`" if exit_code_for(exc) == EXIT_CODES["not-logged-in"] else ""
            Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(exc.message)}{hint}", highlight=False)
        raise typer.Exit(exit_code_for(exc)) from None


def _client(server: str | None) -> AuthClient:
    storage = FileStorage()
    if server is None:
        stored = storage.load()
        server = stored.base_url if stored is not None else DEFAULT_BASE_URL
    return AuthClient(server, storage=storage)


def _emit(as_json: bool, data: Any, human: Callable[[Console], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        human(Console(highlight=False))


def _user_table(user: User) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("email", user.email or "-"),
        ("id", user.id),
        ("display name", user.display_name or "-"),
        ("email verified", "yes" if user.email_verified else "no"),
        ("default role", user.default_role),
        ("roles", ", ".join(user.roles)),
        ("2fa", user.active_mfa_type or "off"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _password(from_stdin: bool) -> str:
    """The password from one line of stdin (for scripts) or a prompt that does not echo it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, err=True))


def _user_json(user: User) -> dict[str, Any]:
    return user.model_dump(mode="json", by_alias=True)


# -- commands
def login(
    email: Annotated[str | None, typer.Option("--email", "-e", help="Account email (prompted if absent).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    token: Annotated[
        str | None, typer.Option("--token", help="Log in with an access token (JWT) or personal access token.")
    ] = None,
    otp: Annotated[str | None, typer.Option("--otp", help="TOTP code, when the account has 2FA.")] = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log in and keep the session for the other commands. The password is never echoed."""
    with _reported(as_json), _client(server) as client:
        if token is not None:
            client.login_with_token(token)
        else:
            address = email or typer.prompt("Email", err=True)
            secret = (
                sys.stdin.readline().rstrip("\n")
                if password_stdin
                else typer.prompt("Password", hide_input=True, err=True)
            )
            result = client.login(address, secret)
            if result.mfa_required:
                code = otp or typer.prompt("Authenticator code (or a recovery code)", err=True)
                client.two_factor.challenge(code)
        user = client.get_user_info()
        _emit(
            as_json,
            {"server": client.base_url, "user": _user_json(user)},
            lambda out: out.print(
                f"Logged in to {escape(client.base_url)} as [bold]{escape(user.email or user.id)}[/]"
            ),
        )


def logout(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Revoke the session on the server and forget it here (nothing to do when logged out)."""
    with _reported(as_json), _client(server) as client:
        was_logged_in = client.state.load() is not None
        client.logout()
        _emit(
            as_json,
            {"loggedOut": was_logged_in},
            lambda out: out.print("Logged out" if was_logged_in else "Not logged in"),
        )


def whoami(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Show the logged-in user."""
    with _reported(as_json), _client(server) as client:
        user = client.get_user_info()
        _emit(as_json, _user_json(user), lambda out: out.print(_user_table(user)))


def token(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Print a valid access token (refreshed when needed), e.g. `curl -H "Authorization: Bearer $(authward token)"`."""
    with _reported(as_json), _client(server) as client:
        access_token = client.get_token()
        if as_json:
            stored = client.state.load()
            expires = stored.expires_at if stored else None
            expires_at = datetime.fromtimestamp(expires, UTC).isoformat() if expires else None
            typer.echo(json.dumps({"accessToken": access_token, "expiresAt": expires_at}))
        else:
            typer.echo(access_token)


two_factor_app = typer.Typer(help="Two-factor authentication (TOTP) for the logged-in user.", no_args_is_help=True)


def _otpauth_url(secret: str, account: str, issuer: str = "authward") -> str:
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"


@two_factor_app.command("setup")
def two_factor_setup(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Generate a TOTP secret and show it as a QR code; then run `authward 2fa enable CODE`."""
    with _reported(as_json), _client(server) as client:
        user = client.get_user_info()
        setup = client.change_user_mfa()
        url = setup.otpauth_url or _otpauth_url(setup.totp_secret, user.email or user.id)
        if as_json:
            typer.echo(json.dumps({**setup.model_dump(by_alias=True), "otpauthUrl": url}))
            return
        qr = io.StringIO()
        segno.make(url, error="m").terminal(out=qr, compact=True)
        typer.echo(qr.getvalue())
        out = Console(highlight=False)
        out.print(f"Scan the QR code with an authenticator app, or enter the key [bold]{setup.totp_secret}[/].")
        if setup.recovery_codes:
            out.print("Recovery codes (each works once if you lose the app; they are not shown again):")
            for code in setup.recovery_codes:
                out.print(f"  {code}")
        out.print("Then run [bold]authward 2fa enable CODE[/] with the code the app shows.")


@two_factor_app.command("enable")
def two_factor_enable(
    code: Annotated[str | None, typer.Argument(help="Code from the authenticator app.")] = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Turn on 2FA with a code from the app set up by `authward 2fa setup`."""
    with _reported(as_json), _client(server) as client:
        client.two_factor.enable(code or typer.prompt("Authenticator code", err=True))
        _emit(as_json, {"enabled": True}, lambda out: out.print("Two-factor authentication is on"))


@two_factor_app.command("disable")
def two_factor_disable(
    code: Annotated[
        str | None, typer.Option("--code", help="Disable with a current TOTP code instead of the password.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Turn off 2FA, confirming with the account password (prompted, not echoed) or `--code`."""
    with _reported(as_json), _client(server) as client:
        if code is not None:
            client.verify_change_user_mfa(code, "")
        else:
            client.two_factor.disable(_password(password_stdin))
        _emit(as_json, {"enabled": False}, lambda out: out.print("Two-factor authentication is off"))


@two_factor_app.command("status")
def two_factor_status(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Say whether 2FA is on for the logged-in user, and how many recovery codes are left."""
    with _reported(as_json), _client(server) as client:
        try:
            status = client.get_user_mfa()
        except NotSupportedByServer:  # a server without authward's status route
            status = MfaStatus(active_mfa_type=client.get_user_info().active_mfa_type)
        enabled = bool(status.active_mfa_type)

        def human(out: Console) -> None:
            out.print(f"Two-factor authentication is {'on' if enabled else 'off'}")
            if enabled:
                out.print(f"Recovery codes left: {status.recovery_codes_remaining}")

        _emit(as_json, {"enabled": enabled, **status.model_dump(by_alias=True)}, human)


def register(app: typer.Typer) -> None:
    """Add the user commands to the root `authward` app."""
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
    app.command("token")(token)
    app.add_typer(two_factor_app, name="2fa")
