"""Server commands: serve, migrate, config, keys. Exit code 2 means a configuration error."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from authward.cli import outbox as outbox_cli
from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.cli.database import database_errors, require_database
from authward.memory import huge_page_tunables
from authward.settings import Settings, masked_settings

if TYPE_CHECKING:
    from authward.storage.migrate import MigrationRun

keys_app = typer.Typer(help="Manage JWT signing keys.", no_args_is_help=True)


def _prepare(settings: Settings, *, create: bool = True) -> None:
    """Migrate and make sure a signing key exists, before any worker starts.

    `create=False`: the database must exist already (`keys rotate`); `serve` creates it.
    """
    from authward.services.core import build_core
    from authward.storage.migrate import upgrade

    if not create:
        require_database(settings.database.url, upgrade=True)

    async def _keys() -> None:
        core = build_core(settings)
        try:
            await core.keys.ensure_signing_key()
        finally:
            await core.close()

    with database_errors(settings.database.url):
        if create:
            _report(upgrade(settings.database.url, on_wait=_waiting), quiet=True)
        asyncio.run(_keys())


def _waiting() -> None:
    err.print("another process is migrating the database: waiting for it to finish", highlight=False)


def _report(run: MigrationRun, *, quiet: bool = False) -> None:
    """Say what `upgrade` did; `quiet`: only what is worth a line in a server's log."""
    if run.newer:
        err.print(f"note: the database is at revision {run.before}, from a newer authward; left as it is "
                  "(an older version keeps serving during an upgrade: docs/production.md)",
                  soft_wrap=True, highlight=False)
    elif run.applied:
        err.print(f"database migrated from {run.before or '(empty)'} to {run.after}", highlight=False)
    elif not quiet:
        err.print("database is up to date", highlight=False)


def _workers_note(settings: Settings) -> None:
    """Several workers count rate limits apart unless they share Redis: say so (docs/performance.md)."""
    if settings.server.workers > 1 and settings.ratelimit.enabled and not settings.redis.url:
        err.print(f"note: {settings.server.workers} workers count rate limits each on their own (each limit is "
                  f"{settings.server.workers}x as loose); set AUTHWARD_REDIS_URL so they share the counters.",
                  soft_wrap=True, highlight=False)


def _public_url_note(settings: Settings) -> None:
    if settings.server.public_url_derived:
        err.print(f"note: AUTHWARD_PUBLIC_URL is not set: links and the token issuer use {settings.server.public_url} "
                  "(from AUTHWARD_HOST and AUTHWARD_PORT); set it to the address clients use.",
                  soft_wrap=True, highlight=False)


def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Bind address [AUTHWARD_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [AUTHWARD_PORT].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [AUTHWARD_WORKERS].")] = None,
    database_url: Annotated[str | None, typer.Option(help="Database URL [AUTHWARD_DATABASE_URL].")] = None,
    tls_cert: Annotated[str | None, typer.Option(help="PEM certificate: serve HTTPS [AUTHWARD_TLS_CERT].")] = None,
    tls_key: Annotated[str | None, typer.Option(help="PEM private key of --tls-cert [AUTHWARD_TLS_KEY].")] = None,
) -> None:
    """Apply migrations and start the server."""
    settings = _settings(config, host=host, port=port, workers=workers, database_url=database_url,
                         tls_cert=tls_cert, tls_key=tls_key)
    if config is not None:  # the workers build their settings from the environment
        os.environ["AUTHWARD_CONFIG"] = str(config)
    _prepare(settings)
    server = settings.server
    scheme = "https" if server.tls_cert else "http"
    err.print(f"authward listening on {scheme}://{server.host}:{server.port} ({settings.database.url.split('://')[0]})")
    _public_url_note(settings)
    _workers_note(settings)
    sys.stdout.flush()
    sys.stderr.flush()
    # a clean process serves (see authward/serving.py); the same pid, so signals still reach it; its C
    # library reads the huge-page tunable for the password hashes' memory at start (authward/memory.py)
    os.environ["GLIBC_TUNABLES"] = huge_page_tunables(os.environ.get("GLIBC_TUNABLES"))
    os.execv(sys.executable, [sys.executable, "-m", "authward.serving"])  # noqa: S606 - our own interpreter


def migrate(config: ConfigOption = None) -> None:
    """Apply database migrations."""
    settings = _settings(config)
    from authward.storage.migrate import upgrade

    with database_errors(settings.database.url):
        run = upgrade(settings.database.url, on_wait=_waiting)
    _report(run)


def config_cmd(config: ConfigOption = None) -> None:
    """Print the effective settings (secrets masked) as JSON; a note on stderr says what was derived."""
    settings = _settings(config)
    typer.echo(json.dumps(masked_settings(settings), indent=2, default=str))
    _public_url_note(settings)


@keys_app.command("rotate")
def keys_rotate(config: ConfigOption = None) -> None:
    """Add a new signing key; the old one stays in the JWKS until its tokens have expired."""
    settings = _settings(config)
    _prepare(settings, create=False)
    from authward.services.core import build_core

    async def _rotate() -> str:
        core = build_core(settings)
        try:
            return await core.keys.rotate()
        finally:
            await core.close()

    with database_errors(settings.database.url):
        typer.echo(asyncio.run(_rotate()))


@keys_app.command("list")
def keys_list(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """List the keys still in the JWKS: the signing one, and retired ones until their tokens expire."""
    settings = _settings(config)
    require_database(settings.database.url)
    from authward.clock import utc_now
    from authward.storage.db import Database
    from authward.storage.repos import keys as keys_repo

    async def _list() -> list[dict[str, object]]:
        db = Database(settings.database.url)
        try:
            async with db.read() as session:
                rows = await keys_repo.live_keys(session, utc_now())
            return [
                {"kid": r.kid, "algorithm": r.algorithm, "created_at": r.created_at.isoformat(),
                 "retired_at": r.retired_at.isoformat() if r.retired_at else None,
                 "expires_at": r.expires_at.isoformat() if r.expires_at else None}
                for r in rows
            ]
        finally:
            await db.dispose()

    with database_errors(settings.database.url):
        keys = asyncio.run(_list())
    if as_json:
        typer.echo(json.dumps(keys, indent=2))
        return
    if not keys:
        err.print("no signing keys yet: `authward serve` (or `authward keys rotate`) makes one")
        return
    from rich.table import Table

    from authward.cli.clients_output import out

    table = Table("kid", "algorithm", "created", "state", "leaves the JWKS")
    for key in keys:
        table.add_row(str(key["kid"]), str(key["algorithm"]), _when(key["created_at"]),
                      "retired" if key["retired_at"] else "signing", _when(key["expires_at"]) or "-")
    out.print(table)


def _when(value: object) -> str:
    from datetime import datetime

    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, str) else ""


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(migrate)
    app.command("config")(config_cmd)
    app.add_typer(keys_app, name="keys")
    outbox_cli.register(app)
    from authward.cli import audit as audit_cli
    from authward.cli import clients as clients_cli
    from authward.cli import db as db_cli
    from authward.cli import users as users_cli

    clients_cli.register(app)
    db_cli.register(app)
    audit_cli.register(app)
    users_cli.register(app)
