"""The server commands' side of the database: clear messages instead of tracebacks, and no database made by mistake.

`database_errors(url)` turns the usual failures (PostgreSQL refusing the connection, a database or role that does
not exist, a SQLite file that cannot be opened) into two lines naming AUTHWARD_DATABASE_URL, what is wrong and what
to try, with exit code 2. `require_database(url)` is for the commands that work on the server's existing database
(everything but `serve` and `migrate`): when there is none it says where it looked, and creates nothing.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.markup import escape

from authward.cli.common import err

OPTION = "AUTHWARD_DATABASE_URL"
DEFAULT_URL = "sqlite:///./authward.db"


def masked_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported by the settings already
        return url


def fail(first: str, hint: str) -> NoReturn:
    err.print(f"[red]error:[/] {escape(first)}\n  {escape(hint)}", soft_wrap=True, highlight=False)
    raise typer.Exit(2)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it wraps (SQLAlchemy's `.orig`) and its causes, each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([getattr(current, "orig", None), current.__cause__, current.__context__])


def explain(exc: BaseException, url: str) -> tuple[str, str] | None:
    """(what is wrong, what to try) for a failure to reach or open the database; None for anything else."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    shown = masked_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _explain_sqlite(exc, Path(parsed.database or ""), shown)
    host, port = parsed.host or "localhost", parsed.port or 5432
    where = f"PostgreSQL at {host}:{port}"
    for cause in _chain(exc):
        name = type(cause).__name__
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return (f"{OPTION}: cannot connect to {where}: connection refused",
                    f"Is PostgreSQL running and listening there? Check the host and port of {shown}.")
        if isinstance(cause, socket.gaierror):
            return (f"{OPTION}: cannot resolve the host {host!r} of {shown}",
                    "Check the host name in the URL.")
        if isinstance(cause, TimeoutError):
            return (f"{OPTION}: no answer from {where} (timed out)",
                    f"Is the host reachable and the port right? ({shown})")
        if name == "InvalidCatalogNameError":
            database = parsed.database or ""
            return (f"{OPTION}: database {database!r} does not exist on {where}",
                    f"Create it (createdb -h {host} -p {port} -U {parsed.username or 'postgres'} {database}), "
                    f"or fix the database name in {shown}.")
        if name == "InvalidAuthorizationSpecificationError":
            return (f"{OPTION}: {where} refused the connection: {cause}",
                    f"Create that role (createuser -h {host} -p {port} -P {parsed.username or ''}) or fix the "
                    f"user in {shown}.")
        if name == "InvalidPasswordError":
            return (f"{OPTION}: {where} refused the password of user {parsed.username!r}",
                    f"Fix the password in {shown} (or the server's pg_hba.conf).")
        if isinstance(cause, OSError) and cause.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return (f"{OPTION}: cannot reach {where}: {cause.strerror}", f"Check the host of {shown}.")
    return None


def _explain_sqlite(exc: BaseException, path: Path, shown: str) -> tuple[str, str] | None:
    for cause in _chain(exc):
        text = str(cause)
        if type(cause).__module__ != "sqlite3" and not isinstance(cause, OSError):
            continue
        if "unable to open database file" in text or isinstance(cause, OSError):
            folder = path.resolve().parent if str(path) else Path.cwd()
            hint = (f"The folder {folder} does not exist: create it, or fix the path in {shown}."
                    if not folder.is_dir() else
                    f"May this user read and write {folder} and the file? Or fix the path in {shown}.")
            return f"{OPTION}: cannot open the SQLite database {path}: {text.split(') ')[-1]}", hint
        if "file is not a database" in text:
            return (f"{OPTION}: {path} is not a SQLite database",
                    f"Point {OPTION} at the server's database, or move that file away.")
    return None


def _check_sqlite_location(url: str) -> None:
    """A SQLite file that cannot be opened, said before the driver tries (its failure leaves a thread behind)."""
    from authward.storage.migrate import sqlite_file

    path = sqlite_file(url)
    if path is None:
        return
    folder = path.resolve().parent
    problem = None
    if not folder.is_dir():
        problem = f"The folder {folder} does not exist: create it, or fix the path in {masked_url(url)}."
    elif path.is_dir():
        problem = f"{path} is a folder: give a file path, such as {path / 'authward.db'}."
    elif not os.access(path if path.exists() else folder, os.R_OK | os.W_OK):
        problem = f"This user may not write {path if path.exists() else folder}: fix the permissions, or the path."
    if problem is not None:
        fail(f"{OPTION}: cannot open the SQLite database {path}", problem)


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Report a database that cannot be reached or opened in two lines, exit 2; other errors pass."""
    _check_sqlite_location(url)
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:
        explained = explain(exc, url)
        if explained is None:
            raise
        fail(*explained)


def require_database(url: str, *, upgrade: bool = False) -> None:
    """The server's database must already exist (with its schema): say so and create nothing otherwise.

    `upgrade`: apply pending migrations (commands that write, as `clients`); else a schema behind this version
    is refused with a hint to run `authward migrate`. A schema ahead of it (a newer release migrated it) is
    used as it is: migrations only add during a release (docs/production.md).
    """
    from authward.storage.migrate import head_revision, known_revisions, schema_revision, sqlite_file
    from authward.storage.migrate import upgrade as apply_migrations

    shown = masked_url(url)
    how = "set AUTHWARD_DATABASE_URL to the server's database, or run `authward migrate` to create one"
    path = sqlite_file(url)
    if path is not None and not path.exists():
        default = " (the default, relative to the current folder)" if url == DEFAULT_URL else ""
        fail(f"no database at {path.resolve()}{default}", f"Run this beside the server: {how}.")
    with database_errors(url):
        revision = asyncio.run(schema_revision(url))
        if revision is None:
            fail(f"the database {shown} has no authward tables", f"Is it the server's database? {how}.")
        head = head_revision()
        if revision != head and revision in known_revisions():
            if upgrade:
                apply_migrations(url)
            else:
                fail(f"the database {shown} is at revision {revision}; this authward needs {head}",
                     "Run `authward migrate` (with the same settings) first.")
