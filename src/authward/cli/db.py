"""`authward db copy --to URL`: take the data along when moving databases (SQLite to PostgreSQL).

The source is the configured database (AUTHWARD_DATABASE_URL, `--config`; default ./authward.db). Both databases
are migrated to this version's schema first, every table is copied in foreign-key order and in batches, in one
transaction on the target, and the row counts are compared table by table.

Exit codes: 0 copied and verified; 1 the target holds rows (without --force) or the counts differ; 2 a
configuration problem (no source database, a target that cannot be reached, a bad URL).
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.table import Table

from authward.cli.clients_output import out
from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.cli.database import database_errors, fail, masked_url, require_database

db_app = typer.Typer(help="Work on the server's database as a whole (copy it to another one).",
                     no_args_is_help=True)


@db_app.command("copy")
def copy_database(
    to: Annotated[str, typer.Option("--to", metavar="URL", help="The target: postgresql://user:pass@host:port/db "
                                    "(or sqlite:///path). Created tables, no rows (unless --force).")],
    force: Annotated[
        bool, typer.Option("--force", help="Delete every row of the target first (in the same transaction).")
    ] = False,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON summary on stdout.")] = False,
) -> None:
    """Copy every row of the configured database into the database at --to, then compare the counts.

    Both are migrated to this version's schema first. Stop the server (or its writes) during the copy, and keep
    AUTHWARD_SECRET_KEY: the signing keys and TOTP secrets are copied encrypted with it.
    """
    from authward.settings import DatabaseSettings
    from authward.storage.copy import CountMismatch, TargetNotEmpty, copy_database
    from authward.storage.migrate import head_revision, upgrade

    settings = _settings(config)
    source = settings.database.url
    try:
        target = DatabaseSettings(url=to).url
    except ValueError:
        fail(f"--to {to!r}: not a database URL", "Give postgresql://user:password@host:port/database or "
             "sqlite:///path/file.db.")
    if masked_url(target) == masked_url(source):
        fail("--to names the configured database itself", "Give the URL of the database to copy into.")
    require_database(source, upgrade=True)
    with database_errors(target):
        upgrade(target)
    with database_errors(source), database_errors(target):
        try:
            report = asyncio.run(copy_database(source, target, replace=force))
        except TargetNotEmpty as exc:
            err.print(f"[red]error:[/] the target {masked_url(target)} already holds rows ({exc}).\n"
                      "  Copy into an empty database, or give --force to delete its rows first.",
                      soft_wrap=True, highlight=False)
            raise typer.Exit(1) from None
        except CountMismatch as exc:
            err.print(f"[red]error:[/] the copy does not match the source ({exc}): was the server still "
                      "writing? Stop it and copy again with --force.", soft_wrap=True, highlight=False)
            raise typer.Exit(1) from None
    summary = {"from": masked_url(source), "to": masked_url(target), "revision": head_revision(),
               "tables": report.tables, "rows": report.total, "replaced": force}
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    table = Table("table", "rows", title=f"{summary['from']} -> {summary['to']}")
    table.columns[1].justify = "right"
    for name, rows in report.tables.items():
        table.add_row(name, str(rows))
    out.print(table)
    err.print(f"copied {report.total} rows in {len(report.tables)} tables; counts verified on both sides. "
              f"Now serve with AUTHWARD_DATABASE_URL={summary['to']} (and the same AUTHWARD_SECRET_KEY).",
              soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
