"""Root of the `authward` command. Server commands load lazily: the client install has no server deps."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="authward",
    help="authward: a self-hosted authentication server, and a client for it.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    try:
        from authward.cli import server
    except ImportError:  # pip install authward (client only): no server commands
        server = None  # type: ignore[assignment]
    if server is not None:
        server.register(app)
    try:
        from authward.cli import user
    except ImportError:
        return
    user.register(app)


_register()

if __name__ == "__main__":
    app()
