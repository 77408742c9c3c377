"""`authward register`, `authward password reset|change`, `authward email verify|change`.

The account's email and password, on the SDK's Nhost routes. Mails go out from the server (or wait
in its dev outbox, `authward outbox`); their links are followed in a browser, or here with
`authward verify 'LINK'`. Answers about an address never tell whether it is registered.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from authward.cli.user_io import (
    JsonOption,
    ServerOption,
    client_for,
    new_password,
    reported,
    say,
    user_json,
)
from authward.client import SignUpOptions

__all__ = ["register"]

PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (one line).")
]
RedirectOption = Annotated[
    str | None, typer.Option("--redirect-to", help="Where the link leads after the server (default: the app).")
]


def sign_up(
    email: Annotated[str | None, typer.Option("--email", "-e", help="Account email (prompted if absent).")] = None,
    password_stdin: PasswordStdinOption = False,
    display_name: Annotated[str | None, typer.Option("--display-name", help="Your name, as others see it.")] = None,
    redirect_to: RedirectOption = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account with email and password (typed twice, never echoed).

    When the server requires a verified email (its default), the account is created but not logged
    in: a verification link is mailed; open it, or run `authward verify 'LINK'` to log in here.
    """
    with reported(as_json), client_for(server) as client:
        address = email or typer.prompt("Email", err=True)
        secret = new_password(password_stdin, "Password")
        options = SignUpOptions(display_name=display_name, redirect_to=redirect_to)
        if client.register(address, secret, options) is None:
            say(
                as_json,
                {"server": client.base_url, "user": None, "verificationEmailSent": True},
                f"Account created. A verification link was sent to [bold]{escape(address)}[/]: open it, then "
                "run [bold]authward login[/], or run [bold]authward verify 'LINK'[/] to log in here.",
            )
            return
        user = client.get_user_info()
        say(
            as_json,
            {"server": client.base_url, "user": user_json(user), "verificationEmailSent": False},
            f"Account created. Logged in to {escape(client.base_url)} as [bold]{escape(user.email or user.id)}[/]",
        )


password_app = typer.Typer(help="Reset a forgotten password, or change it.", no_args_is_help=True)


@password_app.command("reset")
def password_reset(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    redirect_to: RedirectOption = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mail a password-reset link; then run `authward password change --ticket 'LINK'`."""
    with reported(as_json), client_for(server) as client:
        client.send_password_reset_email(email, redirect_to)
        say(
            as_json,
            {"sent": "password-reset", "to": email},
            f"If [bold]{escape(email)}[/] has an account, a reset link is on its way. Then run "
            "[bold]authward password change --ticket 'LINK'[/] (or open the link).",
        )


@password_app.command("change")
def password_change(
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="The reset link of the mail (or its ticket): no login needed.")
    ] = None,
    password_stdin: PasswordStdinOption = False,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a new password (typed twice, never echoed), logged in or with a reset link.

    The server ends every session of the account: log in again with the new password.
    """
    with reported(as_json), client_for(server) as client:
        if ticket is None:
            client.get_user_info()  # fail now, before asking for a password, when not logged in
        client.change_user_password(new_password(password_stdin), ticket)
        say(
            as_json,
            {"passwordChanged": True},
            "Password changed. Every session of the account has ended: run [bold]authward login[/].",
        )


email_app = typer.Typer(help="Verify the account's email, or change it.", no_args_is_help=True)


@email_app.command("verify")
def email_verify(
    email: Annotated[str | None, typer.Argument(help="The address (default: the logged-in user's).")] = None,
    redirect_to: RedirectOption = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a new verification link (to an address registered and not verified yet)."""
    with reported(as_json), client_for(server) as client:
        if email is None:
            email = client.get_user_info().email or ""
            client.request_verification_email(redirect_to)
        else:
            client.send_verification_email(email, redirect_to)
        say(
            as_json,
            {"sent": "email-verification", "to": email},
            f"If [bold]{escape(email)}[/] awaits verification, a new link is on its way: open it, or run "
            "[bold]authward verify 'LINK'[/].",
        )


@email_app.command("change")
def email_change(
    new_email: Annotated[str, typer.Argument(help="The new address.")],
    redirect_to: RedirectOption = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the logged-in user's email: a confirmation link goes to the new address, and the
    change happens when it is followed."""
    with reported(as_json), client_for(server) as client:
        client.change_user_email(new_email, redirect_to)
        say(
            as_json,
            {"sent": "email-change", "to": new_email},
            f"A confirmation link was sent to [bold]{escape(new_email)}[/]. The address changes when it is "
            "opened (or given to [bold]authward verify 'LINK'[/]).",
        )


def register(app: typer.Typer) -> None:
    app.command("register")(sign_up)
    app.add_typer(password_app, name="password")
    app.add_typer(email_app, name="email")
