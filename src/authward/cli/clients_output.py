"""How `authward clients` prints: JSON for scripts, a table and a one-time secret panel for people."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from authward.cli.common import err

if TYPE_CHECKING:
    from authward.storage.models import OAuthClient

out = Console(width=None if sys.stdout.isatty() else 200)  # piped: no wrapping of URIs


def echo_json(value: object) -> None:
    typer.echo(json.dumps(value, indent=2))


def secret_json(client_id: str, secret: str | None) -> dict[str, str]:
    return {"client_id": client_id} | ({"client_secret": secret} if secret is not None else {})


def print_client(client: OAuthClient) -> None:
    from authward.services.oauth.clients import client_json

    data = client_json(client)
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for field, value in data.items():
        if field in ("public", "first_party", "legacy_endpoints"):
            shown = "yes" if value else "no"
        elif isinstance(value, list):
            shown = "\n".join(str(item) for item in value) or "-"
        elif isinstance(value, dict):
            shown = json.dumps(value) if value else "-"
        elif field.endswith("_ttl"):
            shown = f"{value} s" if value is not None else "server default"
        else:
            shown = "-" if value is None else str(value)
        table.add_row(field.replace("_", " "), escape(shown))
    out.print(table)


def print_secret(client_id: str, secret: str) -> None:
    out.print(Panel(secret, title=f"client secret of {client_id}", expand=False, highlight=False))
    err.print("[yellow]warning:[/] the secret is shown only now: store it safely (only its hash is kept).",
              soft_wrap=True)
