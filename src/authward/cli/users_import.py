"""`authward users import` and `authward users export`: users in from Auth0, Nhost or a CSV, and out as NDJSON.

Both work on the server's database directly (no running server needed), with the server's settings: the same
AUTHWARD_DATABASE_URL, and the same AUTHWARD_SECRET_KEY (or data directory), which seals imported TOTP secrets.
The work is in `services/user_import/` and `services/user_export.py`; this module parses, reports and exits.
Exit codes: 0 done (skipped users are not an error), 1 some users failed, 2 a configuration or source error.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.cli.database import database_errors, fail, require_database
from authward.services.user_import.records import ImportSummary
from authward.services.user_import.sources import SourceFormat, count_rows, is_database
from authward.settings import Settings

users_transfer_app = typer.Typer(help="Users in and out: import from Auth0, Nhost or a CSV; export to NDJSON.",
                                 no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)


@users_transfer_app.command("import")
def import_users(
    source: Annotated[
        str, typer.Argument(help="The file, or for --from nhost a postgresql:// URL of Nhost's database.")
    ],
    source_format: Annotated[SourceFormat, typer.Option("--from", help="The source's format.")],
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Import users (ids, bcrypt hashes, roles, metadata, provider links, TOTP secrets); re-runs change nothing."""
    settings = _settings(config)
    if not is_database(source_format, source) and not Path(source).is_file():
        fail(f"no file at {source}", "Give the path of the export file (or, for --from nhost, a postgresql:// URL).")
    require_database(settings.database.url, upgrade=True)
    total = count_rows(source_format, source)
    with database_errors(settings.database.url):
        summary = asyncio.run(_import(settings, source_format, source, dry_run, total, show_progress=not as_json))
    if as_json:
        typer.echo(json.dumps(summary.as_json()))
    else:
        _print_summary(summary)
    if summary.failed:
        raise typer.Exit(1)


async def _import(
    settings: Settings, source_format: SourceFormat, source: str, dry_run: bool, total: int | None,
    *, show_progress: bool,
) -> ImportSummary:
    from authward.methods.totp.imports import totp_import
    from authward.security.passwords import PasswordHasher
    from authward.security.secretbox import SecretBox, load_or_create_secret_key
    from authward.services.user_import.sources import read_source
    from authward.services.user_import.writer import UserImporter
    from authward.storage.db import Database

    configured = settings.server.secret_key.get_secret_value() if settings.server.secret_key else None
    box = SecretBox(load_or_create_secret_key(configured, settings.server.data_dir))
    passwords = settings.passwords
    hasher = PasswordHasher(passwords.hash_time_cost, passwords.hash_memory_kib, passwords.hash_parallelism)
    db = Database(settings.database.url)
    importer = UserImporter(db, settings, hasher, totp_import(box))
    progress = Progress(TextColumn("importing" if not dry_run else "checking"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, disable=not show_progress, transient=False)
    try:
        with progress:
            task = progress.add_task("users", total=total)
            return await importer.run(read_source(source_format, source), dry_run=dry_run,
                                      progress=lambda n: progress.advance(task, n))
    except (OSError, ConnectionError) as exc:
        fail(f"cannot read the source: {exc}", "Check the path or the connection string.")
    except Exception as exc:
        if type(exc).__module__.startswith("asyncpg"):  # the Nhost database refused the connection or the query
            fail(f"cannot read Nhost's database: {exc}", "Check the URL, and that it holds Nhost's auth schema.")
        raise
    finally:
        hasher.close()
        await db.dispose()


def _print_summary(summary: ImportSummary) -> None:
    verb = "would import" if summary.dry_run else "imported"
    table = Table("outcome", "users", "why")
    table.add_row(verb, str(summary.imported), "")
    for reason, count in summary.skipped_reasons.most_common():
        table.add_row("skipped", str(count), reason)
    for reason, count in summary.failed_reasons.most_common():
        table.add_row("failed", str(count), reason)
    out.print(table)
    for line in summary.examples:
        err.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)
    out.print(f"{verb} {summary.imported}, skipped {summary.skipped}, failed {summary.failed}"
              + (" (dry run: nothing written)" if summary.dry_run else ""), highlight=False)


@users_transfer_app.command("export")
def export_users(
    config: ConfigOption = None,
    include_hashes: Annotated[bool, typer.Option("--include-hashes", help="Include password hashes.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
) -> None:
    """Export every user as NDJSON (one JSON object per line); no password hashes unless asked."""
    settings = _settings(config)
    require_database(settings.database.url)
    with database_errors(settings.database.url):
        if output is None:
            count = asyncio.run(_export(settings, include_hashes, sys.stdout))
        else:
            with output.open("w", encoding="utf-8") as handle:
                count = asyncio.run(_export(settings, include_hashes, handle))
    err.print(f"exported {count} users" + (f" to {output}" if output else ""), highlight=False)


async def _export(settings: Settings, include_hashes: bool, handle: Any) -> int:
    from authward.services.user_export import export_users as exported
    from authward.storage.db import Database

    db = Database(settings.database.url)
    count = 0
    try:
        async for user in exported(db, include_hashes=include_hashes):
            handle.write(json.dumps(user, ensure_ascii=False) + "\n")
            count += 1
    finally:
        await db.dispose()
    return count
