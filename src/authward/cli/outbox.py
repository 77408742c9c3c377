"""`authward outbox`: the mail (and SMS) the server sent, kept, or failed to deliver.

With no SMTP server configured this is the dev outbox: read the links and codes here.
`authward outbox` lists, `authward outbox show ID` prints one message (an id prefix is enough),
`authward outbox retry ID` delivers a failed message again, now. For scripts, `authward outbox --to ADDRESS --link`
(or `--code`) prints just the newest message's link (or 6-digit code), and exits 1 when there is none.
These commands read the server's database: they never create one.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import uuid
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.cli.database import database_errors, masked_url, require_database
from authward.settings import Settings

outbox_app = typer.Typer(help="Messages the server sent or kept (the dev outbox when no SMTP is set).",
                         invoke_without_command=True)
out = Console(width=None if sys.stdout.isatty() else 200)  # piped: no wrapping of addresses
SEARCH_DEPTH = 500
LINK = re.compile(r"https?://[^\s<>\"']+")
CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")

def _as_json(row: Any) -> dict[str, Any]:
    from authward.api.dev import message_json

    return message_json(row)


def _recent(settings: Settings, to: str | None, limit: int) -> list[Any]:
    """The newest messages of the server's existing database (refusing cleanly when there is none)."""
    require_database(settings.database.url)
    with database_errors(settings.database.url):
        return asyncio.run(_read_recent(settings, to, limit))


async def _read_recent(settings: Settings, to: str | None, limit: int) -> list[Any]:
    from authward.storage.db import Database
    from authward.storage.repos import outbox as outbox_repo

    db = Database(settings.database.url)
    try:
        async with db.read() as session:
            return await outbox_repo.recent(session, limit=limit, recipient=to.lower() if to else None)
    finally:
        await db.dispose()


def _only(rows: list[Any], to: str | None, what: str, settings: Settings) -> str:
    """The link (or code) of the newest message, for scripts; exit 1 when there is none."""
    whom = f" to {to}" if to else ""
    if not rows:
        err.print(f"[red]error:[/] no message{whom} in the outbox of {masked_url(settings.database.url)}",
                  soft_wrap=True, highlight=False)
        raise typer.Exit(1)
    row = rows[0]
    text = f"{row.subject or ''}\n{row.body_text or ''}"
    if what == "link":
        links: list[str] = LINK.findall(row.body_text or "")
        found = next((link for link in links if "ticket=" in link), links[0] if links else None)
    else:
        match = CODE.search(text)
        found = str(match[0]) if match else None
    if found is None:
        kind = "link" if what == "link" else "6-digit code"
        why = " (its body was dropped once it was sent)" if not row.body_text else ""
        err.print(f"[red]error:[/] the newest message{whom} ({row.subject or row.channel}) has no {kind}{why}",
                  soft_wrap=True, highlight=False)
        raise typer.Exit(1)
    return found


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
    link: Annotated[bool, typer.Option("--link", help="Print only the newest message's link (for scripts).")] = False,
    code: Annotated[
        bool, typer.Option("--code", help="Print only the newest message's 6-digit code (for scripts).")
    ] = False,
) -> None:
    """List the newest messages (or, with --link or --code, print what the newest one carries)."""
    if ctx.invoked_subcommand is not None:
        return
    if sum((link, code, as_json)) > 1:
        raise typer.BadParameter("choose one of --link, --code and --json")
    settings = _settings(config)
    if link or code:
        typer.echo(_only(_recent(settings, to, 1), to, "link" if link else "code", settings))
        return
    rows = _recent(settings, to, limit)
    if as_json:
        typer.echo(json.dumps([_as_json(row) for row in rows], indent=2))
        return
    if not rows:
        whom = f" to {to}" if to else ""
        err.print(f"no message{whom} in the outbox of {masked_url(settings.database.url)}", soft_wrap=True,
                  highlight=False)
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
    row = _find(_recent(_settings(config), None, SEARCH_DEPTH), message_id)
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
    row = _find(_recent(settings, None, SEARCH_DEPTH), message_id)
    with database_errors(settings.database.url):
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
