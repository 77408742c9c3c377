"""A SELECT compiled once and run on the driver's connection directly: the GET /user read.

SQLAlchemy's execution machinery (execution context, result metadata, row objects) cost ~7x the
read itself on a SQLite primary-key lookup (measured: 123 us against 17 us on a loaded core). The
statement is still SQLAlchemy's, compiled by the engine's dialect, with its own bind and result
processors for every column type (UUIDs, UTC datetimes, JSON, booleans): only the per-call machinery
is skipped. On PostgreSQL the connection is asyncpg's (prepared statements cached per connection).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any] | None


class PreparedSelect:
    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        names = list(compiled.positiontup or ())
        self._binds: list[tuple[str, Processor]] = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
        ]
        columns = list(statement.selected_columns)
        self._results: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        self._row = namedtuple("PreparedRow", [column.key for column in columns])  # type: ignore[misc]

    def first(self, connection: sqlite3.Connection, params: Mapping[str, Any]) -> Any:
        """The first row (attributes named as the statement's columns), or None."""
        return self._shape(connection.execute(self.sql, self._args(params)).fetchone())

    async def first_async(self, connection: Any, params: Mapping[str, Any]) -> Any:
        """`first` on an asyncpg connection."""
        return self._shape(await connection.fetchrow(self.sql, *self._args(params)))

    def _args(self, params: Mapping[str, Any]) -> list[Any]:
        return [process(params[name]) if process else params[name] for name, process in self._binds]

    def _shape(self, raw: Any) -> Any:
        if raw is None:
            return None
        values = [process(value) if process else value for process, value in zip(self._results, raw, strict=True)]
        return self._row(*values)
