"""`authward outbox`: the mail (and SMS) the server sent, kept, or failed to deliver.

With no SMTP server configured this is the dev outbox: read the links and codes here.
`authward outbox` lists, `authward outbox show ID` prints one message (an id prefix is enough),
`authward outbox retry ID` delivers a failed message again, now.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.settings import Settings

outbox_app = typer.Typer(help="Messages the server sent or kept (the dev outbox when no SMTP is set).",
                         invoke_without_command=True)
out = Console(width=None if sys.stdout.isatty() else 200)  # piped: no wrapping of addresses
SEARCH_DEPTH = 500

def _as_json(row: Any) -> dict[str, Any]:
    from authward.api.dev import message_json

    return message_json(row)


async def _recent(settings: Settings, to: str | None, limit: int) -> list[Any]:
    from authward.storage.db import Database
    from authward.storage.repos import outbox as outbox_repo

    db = Database(settings.database.url)
    try:
        async with db.read() as session:
            return await outbox_repo.recent(session, limit=limit, recipient=to.lower() if to else None)
    finally:
        await db.dispose()


def _find(rows: list[Any], prefix: str) -> Any:
    matches = [row for row in rows if str(row.id).startswith(prefix.lower())]
    if len(matches) != 1:
        err.print(f"[red]error:[/] {'no' if not matches else 'more than one'} message matches {prefix!r}")
        raise typer.Exit(1)
    return matches[0]


@outbox_app.callback()
def list_messages(
    ctx: typer.Context,
    config: ConfigOption = None,
    to: Annotated[str | None, typer.Option("--to", help="Only messages to this address or number.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=SEARCH_DEPTH)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, with the message bodies.")] = False,
) -> None:
    """List the newest messages."""
    if ctx.invoked_subcommand is not None:
        return
    rows = asyncio.run(_recent(_settings(config), to, limit))
    if as_json:
        typer.echo(json.dumps([_as_json(row) for row in rows], indent=2))
        return
    if not rows:
        err.print("the outbox is empty")
        return
    table = Table("id", "created", "status", "to", "subject", "tries", "last error")
    for column in table.columns[:4]:
        column.no_wrap = True
    for row in rows:
        table.add_row(str(row.id)[:8], row.created_at.strftime("%Y-%m-%d %H:%M:%S"), row.status, row.recipient,
                      row.subject or row.channel, str(row.attempts), (row.last_error or "")[:60])
    out.print(table)


@outbox_app.command("show")
def show_message(
    message_id: Annotated[str, typer.Argument(help="The message id (a unique prefix is enough).")],
    config: ConfigOption = None,
) -> None:
    """Print one message: headers and plain-text body."""
    row = _find(asyncio.run(_recent(_settings(config), None, SEARCH_DEPTH)), message_id)
    typer.echo(f"id:      {row.id}\nto:      {row.recipient}\nsubject: {row.subject}\nstatus:  {row.status}, "
               f"attempts: {row.attempts}\ncreated: {row.created_at.isoformat()}")
    if row.last_error:
        typer.echo(f"error:   {row.last_error}")
    typer.echo("")
    typer.echo(row.body_text or "(body dropped once the message was sent)")


@outbox_app.command("retry")
def retry_message(
    message_id: Annotated[str, typer.Argument(help="A failed message's id (a unique prefix is enough).")],
    config: ConfigOption = None,
) -> None:
    """Deliver a failed message again now (with a fresh set of attempts)."""
    settings = _settings(config)
    row = _find(asyncio.run(_recent(settings, None, SEARCH_DEPTH)), message_id)
    status = asyncio.run(_retry(settings, row.id))
    if status is None:
        err.print("[red]error:[/] only a failed email whose body is still there can be retried")
        raise typer.Exit(1)
    typer.echo(status)
    if status != "sent" and status != "logged":
        raise typer.Exit(1)


async def _retry(settings: Settings, message_id: uuid.UUID) -> str | None:
    from authward.background import Background
    from authward.delivery.email import build_mailer
    from authward.delivery.postman import Postman
    from authward.storage.db import Database
    from authward.storage.repos import outbox as outbox_repo

    db = Database(settings.database.url)
    try:
        async with db.write() as session:
            if not await outbox_repo.requeue(session, message_id):
                return None
        return await Postman(db, build_mailer(settings), settings, Background()).deliver(message_id)
    finally:
        await db.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(outbox_app, name="outbox")
