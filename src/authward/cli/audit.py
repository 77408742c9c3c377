"""`authward audit tail`: the latest security events, read from the database (no server needed).

One line per event, oldest first, as `tail` does; `--follow` keeps printing new events as they are written
(polling the table), `--json` prints one JSON object per line (the shape of `GET /admin/audit`'s events).

Exit codes: 0 success (Ctrl-C ends --follow); 2 invalid input or no database.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from authward.cli.clients_output import out
from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings

if TYPE_CHECKING:
    from authward.storage.db import Database
    from authward.storage.models import AuditEvent

audit_app = typer.Typer(help="Read the audit log of security events (reads the database directly).",
                        no_args_is_help=True)


def _line(event: dict[str, Any]) -> str:
    when = event["createdAt"][:19].replace("T", " ")
    parts = [f"[dim]{when}[/]", f"[bold]{escape(event['event'])}[/]"]
    for label, key in (("user", "userId"), ("actor", "actor"), ("ip", "ip"), ("agent", "userAgent")):
        if event.get(key):
            parts.append(f"{label}={escape(str(event[key]))}")
    if event["data"]:
        parts.append(escape(json.dumps(event["data"], separators=(",", ":"), sort_keys=True)))
    return "  ".join(parts)


def _emit(rows: list[AuditEvent], as_json: bool) -> None:
    from authward.services.audit import event_json

    for row in rows:
        data = event_json(row)
        if as_json:
            typer.echo(json.dumps(data))
        else:
            out.print(_line(data), soft_wrap=True, highlight=False)


async def _tail(db: Database, query: Any, follow: bool, interval: float, as_json: bool) -> None:
    from authward.services import audit

    async with db.read() as session:
        rows = list(reversed(await audit.find(session, query)))
    _emit(rows, as_json)
    if not follow:
        return
    last = rows[-1].created_at if rows else None
    seen = {row.id for row in rows if row.created_at == last}  # printed events of the latest instant
    while True:
        await asyncio.sleep(interval)
        async with db.read() as session:
            if last is None:
                fresh = list(reversed(await audit.find(session, query)))
            else:  # `>=`, then skip what was printed: events written in the same instant are not lost
                fresh = [r for r in await audit.newer_than(session, query, last, inclusive=True) if r.id not in seen]
        _emit(fresh, as_json)
        if fresh:
            if fresh[-1].created_at != last:
                seen = set()
            last = fresh[-1].created_at
            seen |= {row.id for row in fresh if row.created_at == last}


@audit_app.command("tail")
def tail(
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new events (Ctrl-C stops).")] = False,
    user: Annotated[str | None, typer.Option("--user", metavar="ID", help="Only this user's events.")] = None,
    event: Annotated[str | None, typer.Option("--event", metavar="NAME",
                                              help="Only this event, or a prefix ending in . or * (admin.).")] = None,
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, max=10_000, help="How many past events.")] = 20,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between polls with --follow.")]
    = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    config: ConfigOption = None,
) -> None:
    """Print the latest audit events, oldest first; --follow keeps printing new ones."""
    from authward.cli.database import database_errors, require_database
    from authward.services.audit import AuditQuery
    from authward.storage.db import Database

    try:
        user_id = uuid.UUID(user) if user is not None else None
    except ValueError:
        err.print(f"[red]error:[/] --user {escape(user or '')}: not a user id (a UUID)")
        raise typer.Exit(2) from None
    settings = _settings(config)
    require_database(settings.database.url)
    query = AuditQuery(user_id=user_id, event=event, limit=lines)

    async def _run() -> None:
        db = Database(settings.database.url)
        try:
            await _tail(db, query, follow, interval, as_json)
        finally:
            await db.dispose()

    with database_errors(settings.database.url):
        try:
            asyncio.run(_run())
        except KeyboardInterrupt:
            raise typer.Exit(0) from None


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
