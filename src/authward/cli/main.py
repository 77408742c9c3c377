"""Root of the `authward` command. Server commands load lazily: the client install has no server deps."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperOption

from authward import __version__

SERVER_COMMANDS = ("serve", "migrate", "config", "keys", "outbox", "clients", "db", "users", "audit", "webhooks")

app = typer.Typer(
    name="authward",
    help="authward: a self-hosted authentication server, and a client for it.",
    no_args_is_help=True,
    add_completion=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"authward {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    """authward: a self-hosted authentication server, and a client for it."""


def _plain_flags() -> None:
    """Show a flag as what it is (`--json`, `--public/--no-public`), not with a `<bool>` value it does not take.

    Typer prints every option's type in help; a flag takes no value, so its type column stays empty.
    """
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_bool_flag and self.metavar is None:
            return None
        return shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


def _needs_server_extra(name: str) -> Any:
    def command(ctx: typer.Context) -> None:
        typer.echo(
            f"error: `authward {name}` is a server command: it needs authward's server dependencies (the "
            "`server` extra). From a checkout: pip install '.[server]'; from a wheel: "
            "pip install 'authward-<version>-py3-none-any.whl[server]'.",
            err=True,
        )
        raise typer.Exit(2)

    command.__doc__ = f"(server command: needs the server extra) {name}"
    return command


def _register() -> None:
    try:
        from authward.cli import server
    except ImportError as exc:  # the client-only install: server commands say what they need
        if (exc.name or "").partition(".")[0] == "authward":
            raise  # our own code failing to import is a bug, not an install without the extra
        app.info.epilog = (f"Server commands ({', '.join(SERVER_COMMANDS)}) need the server extra: "
                           "pip install '.\\[server]' from a checkout.")  # \\[ is not rich markup
        for name in SERVER_COMMANDS:
            app.command(name, hidden=True, add_help_option=False,
                        context_settings={"ignore_unknown_options": True, "allow_extra_args": True})(
                _needs_server_extra(name))
    else:
        server.register(app)
        from authward.cli import webhooks
        from authward.cli.users import users_app
        from authward.cli.users_import import users_transfer_app

        users_app.add_typer(users_transfer_app)  # `authward users import|export` beside list, show...
        webhooks.register(app)
    try:
        from authward.cli import user
    except ImportError:
        return
    user.register(app)


_plain_flags()
_register()

if __name__ == "__main__":
    app()
