"""The source formats `authward users import --from` knows, and the reader of each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path

from authward.services.user_import.auth0 import read_auth0_export
from authward.services.user_import.generic_csv import read_generic_csv
from authward.services.user_import.nhost import is_connection_string, read_nhost_csv, read_nhost_database
from authward.services.user_import.records import ImportedUser, Unreadable


class SourceFormat(StrEnum):
    AUTH0 = "auth0"  # an Auth0 user export (NDJSON)
    NHOST = "nhost"  # Nhost's auth.users: a CSV export, or a postgresql:// connection string
    CSV = "csv"  # the generic CSV


def is_database(source_format: SourceFormat, source: str) -> bool:
    return source_format is SourceFormat.NHOST and is_connection_string(source)


def read_source(source_format: SourceFormat, source: str) -> AsyncIterator[ImportedUser | Unreadable]:
    if is_database(source_format, source):
        return read_nhost_database(source)
    path = Path(source)
    if source_format is SourceFormat.AUTH0:
        return read_auth0_export(path)
    if source_format is SourceFormat.NHOST:
        return read_nhost_csv(path)
    return read_generic_csv(path)


def count_rows(source_format: SourceFormat, source: str) -> int | None:
    """How many users a file holds, roughly (for the progress bar); None for a database."""
    if is_database(source_format, source):
        return None
    with Path(source).open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return lines if source_format is SourceFormat.AUTH0 else max(lines - 1, 0)
