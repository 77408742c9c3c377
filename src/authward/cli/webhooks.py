"""`authward webhooks`: the endpoints audit events are sent to, and what became of each delivery.

`add URL [--event NAME]... [--secret whsec_...]` prints the signing secret once; `list`; `remove ID`;
`deliveries [--status S] [--json]`; `retry ID` (a failed delivery, sent again by the server's worker).
These commands work on the server's database (the running server picks changes up at its next poll) with the
server's settings: the secret is sealed with its AUTHWARD_SECRET_KEY (or data directory's key).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.cli.database import database_errors, require_database
from authward.settings import Settings

webhooks_app = typer.Typer(help="Webhook endpoints (Standard Webhooks, signed) and their deliveries.",
                           no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)
T = TypeVar("T")
SEARCH_DEPTH = 500


def _run(settings: Settings, work: Callable[[Any], Awaitable[T]], *, write: bool = False) -> T:
    """`work(db)` on the server's existing database, failing cleanly when it cannot be reached."""
    from authward.storage.db import Database

    require_database(settings.database.url, upgrade=write)

    async def run() -> T:
        db = Database(settings.database.url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    with database_errors(settings.database.url):
        return asyncio.run(run())


def _box(settings: Settings) -> Any:
    from authward.security.secretbox import SecretBox, load_or_create_secret_key

    configured = settings.server.secret_key.get_secret_value() if settings.server.secret_key else None
    return SecretBox(load_or_create_secret_key(configured, settings.server.data_dir))


def _fail(message: str) -> None:
    err.print(f"[red]error:[/] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


def _match(ids: list[uuid.UUID], prefix: str, what: str) -> uuid.UUID:
    found = [item for item in ids if str(item).startswith(prefix.lower())]
    if len(found) != 1:
        _fail(f"{'no' if not found else 'more than one'} {what} matches {prefix!r}")
    return found[0]


@webhooks_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where to POST the events (http or https).")],
    event: Annotated[list[str] | None, typer.Option("--event", "-e", help="An event to send (repeat); default: all.")
                     ] = None,
    secret: Annotated[str | None, typer.Option(help="A whsec_ secret to use (default: a new one).")] = None,
    description: Annotated[str, typer.Option(help="A note for people.")] = "",
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Add an endpoint; its signing secret is printed once."""
    from authward.clock import utc_now
    from authward.errors import AuthError
    from authward.services.webhook_endpoints import add_endpoint

    settings = _settings(config)
    box = _box(settings)
    try:
        made = _run(settings, lambda db: add_endpoint(db, box, url, event or [], utc_now(), secret=secret,
                                                      description=description), write=True)
    except AuthError as exc:
        _fail(exc.message)
        return
    endpoint = made.endpoint
    if as_json:
        typer.echo(json.dumps({"id": str(endpoint.id), "url": endpoint.url, "events": endpoint.events,
                               "secret": made.secret}))
        return
    out.print(f"added {endpoint.id} -> {endpoint.url} (events: {', '.join(endpoint.events)})", highlight=False)
    out.print(f"signing secret (shown once): {made.secret}", highlight=False, soft_wrap=True)


@webhooks_app.command("list")
def list_endpoints(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """List the endpoints (never their secrets)."""
    from authward.services.webhook_endpoints import list_endpoints as listed

    rows = _run(_settings(config), listed)
    if as_json:
        typer.echo(json.dumps([{"id": str(row.id), "url": row.url, "events": row.events,
                                "description": row.description, "created_at": row.created_at.isoformat()}
                               for row in rows]))
        return
    if not rows:
        err.print("no webhook endpoint: add one with `authward webhooks add URL`")
        return
    table = Table("id", "url", "events", "description")
    for row in rows:
        table.add_row(str(row.id), row.url, ", ".join(row.events), row.description)
    out.print(table)


@webhooks_app.command("remove")
def remove(
    endpoint_id: Annotated[str, typer.Argument(help="The endpoint's id (a unique prefix is enough).")],
    config: ConfigOption = None,
) -> None:
    """Remove an endpoint, and its pending deliveries."""
    from authward.services.webhook_endpoints import list_endpoints as listed
    from authward.services.webhook_endpoints import remove_endpoint

    settings = _settings(config)
    chosen = _match([row.id for row in _run(settings, listed)], endpoint_id, "endpoint")
    _run(settings, lambda db: remove_endpoint(db, chosen), write=True)
    out.print(f"removed {chosen}", highlight=False)


@webhooks_app.command("deliveries")
def deliveries(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="Only pending, delivered or failed ones.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=SEARCH_DEPTH)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """The newest deliveries: event, endpoint, status, attempts, last answer or error."""
    from authward.services.webhook_endpoints import recent_deliveries

    if status is not None and status not in ("pending", "delivered", "failed"):
        raise typer.BadParameter("one of pending, delivered, failed", param_hint="--status")
    rows = _run(_settings(config), lambda db: recent_deliveries(db, limit, status))
    if as_json:
        typer.echo(json.dumps([_delivery_json(row, url) for row, url in rows]))
        return
    if not rows:
        err.print("no webhook delivery")
        return
    table = Table("id", "created", "event", "url", "status", "tries", "last answer")
    for row, url in rows:
        answer = row.last_error or (str(row.last_status_code) if row.last_status_code else "")
        table.add_row(str(row.id)[:8], row.created_at.strftime("%Y-%m-%d %H:%M:%S"), row.event, url, row.status,
                      str(row.attempts), answer[:60])
    out.print(table)


def _delivery_json(row: Any, url: str) -> dict[str, Any]:
    return {
        "id": str(row.id), "webhook_id": f"msg_{row.id.hex}", "event": row.event, "endpoint_id": str(row.endpoint_id),
        "url": url, "status": row.status, "attempts": row.attempts, "last_status_code": row.last_status_code,
        "last_error": row.last_error, "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat() if row.status == "pending" else None,
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
    }


@webhooks_app.command("retry")
def retry(
    delivery_id: Annotated[str, typer.Argument(help="A failed delivery's id (a unique prefix is enough).")],
    config: ConfigOption = None,
) -> None:
    """Send a failed delivery again (with a fresh set of attempts), at the running server's next poll."""
    from authward.clock import utc_now
    from authward.services.webhook_endpoints import recent_deliveries, retry_delivery

    settings = _settings(config)
    found = _run(settings, lambda db: recent_deliveries(db, SEARCH_DEPTH, "failed"))
    chosen = _match([row.id for row, _ in found], delivery_id, "failed delivery")
    if not _run(settings, lambda db: retry_delivery(db, chosen, utc_now()), write=True):
        _fail("only a failed delivery can be retried")
    out.print(f"{chosen} is due again", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")
