"""User commands of `authward`: login (every way in), logout, whoami, token, verify and 2fa.

Account commands (register, password, email) are in `user_account.py`, personal access tokens in
`user_pat.py`; all follow the conventions of `user_io.py` (server, session file, `--json`, exit codes).

Exit codes:
  0  success
  1  the server refused the request or failed (any other error)
  2  usage error (unknown option, missing argument)
  3  not logged in, or the session expired or was revoked: run `authward login`
  4  wrong credentials or code (email/password, TOTP, email or SMS code, personal access token)
  5  the server could not be reached
  6  this server version does not support the command
"""

from __future__ import annotations

import io
import json
import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

import segno
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from authward.cli.provider_login import DEFAULT_PORT, LoopbackReceiver, open_in_browser
from authward.cli.user_io import (
    EXIT_CODES,
    JsonOption,
    ServerOption,
    client_for,
    emit,
    exit_code_for,
    password,
    reported,
    say,
    user_json,
)
from authward.client import AuthClient, AuthError, MfaStatus, NotSupportedByServer, SignInResponse, User

__all__ = ["EXIT_CODES", "exit_code_for", "register"]


def _user_table(user: User) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("email", user.email or "-"),
        ("phone", user.phone_number or "-"),
        ("id", user.id),
        ("display name", user.display_name or "-"),
        ("email verified", "yes" if user.email_verified else "no"),
        ("default role", user.default_role),
        ("roles", ", ".join(user.roles)),
        ("2fa", user.active_mfa_type or "off"),
    ]
    for name, value in rows:
        if name == "phone" and not user.phone_number:
            continue
        table.add_row(name, value)
    return table


def _second_factor(client: AuthClient, result: SignInResponse, totp: str | None) -> None:
    """Finish a sign-in that answered an MFA challenge, with `--totp` or a prompted code."""
    if result.mfa_required:
        client.two_factor.challenge(totp or typer.prompt("Authenticator code (or a recovery code)", err=True))


def _logged_in(client: AuthClient, as_json: bool) -> None:
    user = client.get_user_info()
    who = user.email or user.phone_number or user.id
    say(
        as_json,
        {"server": client.base_url, "user": user_json(user)},
        f"Logged in to {escape(client.base_url)} as [bold]{escape(who)}[/]",
    )


def _provider_login(client: AuthClient, provider: str, port: int, timeout: float, totp: str | None) -> None:
    """The browser's round trip through the provider, back to a loopback listener (cli/provider_login.py)."""
    state = secrets.token_urlsafe(24)
    try:
        receiver = LoopbackReceiver(port, state)
    except OSError as exc:
        raise typer.BadParameter(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}): choose --port") from exc
    with receiver:
        url = client.sign_in_provider_url(provider, {"redirect_to": receiver.redirect_uri}, state=state)
        console = Console(stderr=True)
        console.print(f"Opening your browser to sign in with [bold]{escape(provider)}[/]. If it does not open, "
                      f"visit:\n{escape(url)}", soft_wrap=True)
        open_in_browser(url)
        params = receiver.wait(timeout)
    if params is None:
        raise typer.BadParameter(f"no answer from the browser within {timeout:g} seconds")
    if "error" in params:
        raise AuthError(400, params["error"], params.get("errorDescription") or params["error"])
    if "mfaTicket" in params:
        code = totp or typer.prompt("Authenticator code (or a recovery code)", err=True)
        client.verify_sign_in_mfa_totp(code.strip(), params["mfaTicket"])
        return
    client.sign_in_refresh_token(params["refreshToken"])


def _one_way_in(**given: object) -> None:
    chosen = [f"--{name.replace('_', '-')}" for name, value in given.items() if value not in (None, False)]
    if len(chosen) > 1:
        raise typer.BadParameter(f"choose one way to log in, not {' and '.join(chosen)}")


# -- commands
def login(
    email: Annotated[str | None, typer.Option("--email", "-e", help="Account email (prompted if absent).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    token: Annotated[
        str | None, typer.Option("--token", help="Log in with an access token (JWT) or personal access token.")
    ] = None,
    magic_link: Annotated[
        str | None, typer.Option("--magic-link", metavar="EMAIL", help="Mail a sign-in link to EMAIL.")
    ] = None,
    email_otp: Annotated[
        str | None, typer.Option("--otp", metavar="EMAIL", help="Mail a one-time code to EMAIL, then ask for it.")
    ] = None,
    sms: Annotated[
        str | None, typer.Option("--sms", metavar="PHONE", help="Text a one-time code to PHONE, then ask for it.")
    ] = None,
    totp: Annotated[
        str | None, typer.Option("--totp", metavar="CODE", help="Authenticator (or recovery) code, with 2FA on.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", metavar="NAME", help="Sign in with a social provider in the browser.")
    ] = None,
    port: Annotated[
        int, typer.Option("--port", help="Loopback port the browser comes back to (with --provider).")
    ] = DEFAULT_PORT,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the browser (with --provider).")
    ] = 300.0,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log in and keep the session for the other commands. The password is never echoed.

    With email and password by default; or `--otp EMAIL` / `--sms PHONE` (a one-time code, asked for
    here), `--magic-link EMAIL` (a link to open, or to give to `authward verify`), `--token TOKEN`, or
    `--provider NAME` (the browser signs in with that provider and comes back to 127.0.0.1:PORT, which
    the server must allow in AUTHWARD_ALLOWED_REDIRECT_URLS).
    """
    _one_way_in(email=email, token=token, magic_link=magic_link, otp=email_otp, sms=sms, provider=provider)
    with reported(as_json), client_for(server) as client:
        if provider is not None:
            _provider_login(client, provider, port, timeout, totp)
            _logged_in(client, as_json)
            return
        if magic_link is not None:
            client.sign_in_passwordless_email(magic_link)
            say(
                as_json,
                {"server": client.base_url, "sent": "magic-link", "to": magic_link},
                f"A sign-in link is on its way to [bold]{escape(magic_link)}[/]. Open it to sign in to the app, "
                "or run [bold]authward verify 'LINK'[/] with it to sign in here.",
            )
            return
        if token is not None:
            client.login_with_token(token)
        elif email_otp is not None:
            client.sign_in_otp_email(email_otp)
            code = typer.prompt(f"Code sent to {email_otp}", err=True)
            _second_factor(client, client.verify_sign_in_otp_email(email_otp, code.strip()), totp)
        elif sms is not None:
            client.sign_in_passwordless_sms(sms)
            code = typer.prompt(f"Code sent to {sms}", err=True)
            _second_factor(client, client.verify_sign_in_passwordless_sms(sms, code.strip()), totp)
        else:
            address = email or typer.prompt("Email", err=True)
            _second_factor(client, client.login(address, password(password_stdin)), totp)
        _logged_in(client, as_json)


def verify(
    link: Annotated[str, typer.Argument(help="The whole link of the message (quote it), or its ticket.")],
    redirect_to: Annotated[
        str | None, typer.Option("--redirect-to", help="With a bare ticket: an address the server allows.")
    ] = None,
    totp: Annotated[
        str | None, typer.Option("--totp", metavar="CODE", help="Authenticator (or recovery) code, with 2FA on.")
    ] = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Follow an emailed link here (verification, magic link, reset, email change) and keep its session.

    Only the link's ticket is used: it goes to --server, never to the host the link names.
    """
    with reported(as_json), client_for(server) as client:
        _second_factor(client, client.follow_link(link, redirect_to), totp)
        _logged_in(client, as_json)


def logout(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Revoke the session on the server and forget it here (nothing to do when logged out)."""
    with reported(as_json), client_for(server) as client:
        was_logged_in = client.state.load() is not None
        client.logout()
        emit(
            as_json,
            {"loggedOut": was_logged_in},
            lambda out: out.print("Logged out" if was_logged_in else "Not logged in"),
        )


def whoami(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Show the logged-in user."""
    with reported(as_json), client_for(server) as client:
        user = client.get_user_info()
        emit(as_json, user_json(user), lambda out: out.print(_user_table(user)))


def token(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Print a valid access token (refreshed when needed), e.g. `curl -H "Authorization: Bearer $(authward token)"`."""
    with reported(as_json), client_for(server) as client:
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
    with reported(as_json), client_for(server) as client:
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
    with reported(as_json), client_for(server) as client:
        client.two_factor.enable(code or typer.prompt("Authenticator code", err=True))
        emit(as_json, {"enabled": True}, lambda out: out.print("Two-factor authentication is on"))


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
    with reported(as_json), client_for(server) as client:
        if code is not None:
            client.verify_change_user_mfa(code, "")
        else:
            client.two_factor.disable(password(password_stdin))
        emit(as_json, {"enabled": False}, lambda out: out.print("Two-factor authentication is off"))


@two_factor_app.command("status")
def two_factor_status(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """Say whether 2FA is on for the logged-in user, and how many recovery codes are left."""
    with reported(as_json), client_for(server) as client:
        try:
            status = client.get_user_mfa()
        except NotSupportedByServer:  # a server without authward's status route
            status = MfaStatus(active_mfa_type=client.get_user_info().active_mfa_type)
        enabled = bool(status.active_mfa_type)

        def human(out: Console) -> None:
            out.print(f"Two-factor authentication is {'on' if enabled else 'off'}")
            if enabled:
                out.print(f"Recovery codes left: {status.recovery_codes_remaining}")

        emit(as_json, {"enabled": enabled, **status.model_dump(by_alias=True)}, human)


def register(app: typer.Typer) -> None:
    """Add the user commands to the root `authward` app."""
    from authward.cli import user_account, user_pat

    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
    app.command("token")(token)
    app.command("verify")(verify)
    user_account.register(app)
    app.add_typer(two_factor_app, name="2fa")
    user_pat.register(app)
