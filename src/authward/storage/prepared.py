"""Statements compiled once and run on the driver's connection directly: the hottest read and write.

SQLAlchemy's execution machinery (execution context, result metadata, row objects) cost ~7x the
read itself on a SQLite primary-key lookup (measured: 123 us against 17 us on a loaded core), and as
much again on each statement of a refresh. The statement is still SQLAlchemy's, compiled by the
engine's dialect, with its own bind and result processors for every column type (UUIDs, UTC
datetimes, JSON, booleans): only the per-call machinery is skipped. On PostgreSQL the connection is
asyncpg's (prepared statements cached per connection).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


class PreparedStatement:
    """A SELECT, or an INSERT/UPDATE (with or without RETURNING), ready for the driver.

    Binds come from the call's params by name; constants written in the statement (`status='rotated'`)
    keep their compiled value. An INSERT is compiled for the columns it is given (`columns`).
    """

    def __init__(self, statement: ClauseElement, dialect: Dialect, columns: list[str] | None = None) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=columns))
        self.sql = str(compiled)
        self._binds: list[tuple[str, Any, Processor]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            constant = bind.effective_value if bind.value is not None or bind.callable is not None else _REQUIRED
            self._binds.append((name, constant, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        result_columns = list(getattr(statement, "exported_columns", ()))
        self._results: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in result_columns
        ]
        self._row = namedtuple(  # type: ignore[misc]
            "PreparedRow", [str(column.key) for column in result_columns], rename=True)

    def first(self, connection: sqlite3.Connection, params: Mapping[str, Any]) -> Any:
        """The first row (attributes named as the statement's columns), or None."""
        return self._shape(connection.execute(self.sql, self._args(params)).fetchone())

    async def first_async(self, connection: Any, params: Mapping[str, Any]) -> Any:
        """`first` on an asyncpg connection."""
        return self._shape(await connection.fetchrow(self.sql, *self._args(params)))

    def run(self, connection: sqlite3.Connection, params: Mapping[str, Any]) -> None:
        """Execute a statement that returns nothing."""
        connection.execute(self.sql, self._args(params))

    async def run_async(self, connection: Any, params: Mapping[str, Any]) -> None:
        """`run` on an asyncpg connection."""
        await connection.execute(self.sql, *self._args(params))

    def _args(self, params: Mapping[str, Any]) -> list[Any]:
        args = []
        for name, constant, process in self._binds:
            value = params[name] if constant is _REQUIRED else params.get(name, constant)
            args.append(process(value) if process else value)
        return args

    def _shape(self, raw: Any) -> Any:
        if raw is None:
            return None
        values = [process(value) if process else value for process, value in zip(self._results, raw, strict=True)]
        return self._row(*values)


_REQUIRED = object()  # a bind the call must give (KeyError otherwise: never a silent NULL)
