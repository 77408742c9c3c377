"""Copy every row of one authward database into another (SQLite -> PostgreSQL, or any pair).

Both databases must be at the same schema revision (the caller migrates them). Tables are copied in foreign-key
order, in batches, in one transaction on the target: a copy that fails leaves the target as it was. The counts
are then compared table by table. Column types (UUIDs, UTC datetimes, JSON) are converted by the models' types,
so a row reads the same on either side. Secrets stay encrypted as they are: the target server needs the same
AUTHWARD_SECRET_KEY.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authward.storage.db import Database
from authward.storage.models import Base

BATCH_ROWS = 500


class TargetNotEmpty(Exception):
    """The target already holds rows (and `replace` was not asked for)."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        super().__init__(", ".join(f"{table}: {rows}" for table, rows in counts.items() if rows))


class CountMismatch(Exception):
    """After the copy, a table does not hold the same number of rows on both sides."""

    def __init__(self, mismatches: dict[str, tuple[int, int]]) -> None:
        self.mismatches = mismatches
        super().__init__(", ".join(f"{table}: {a} != {b}" for table, (a, b) in mismatches.items()))


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)  # rows copied (= rows on both sides), in copy order

    @property
    def total(self) -> int:
        return sum(self.tables.values())


def tables_in_copy_order() -> list[Table]:
    """Every table of the schema, parents before children (users before credentials, clients before consents)."""
    return list(Base.metadata.sorted_tables)


async def row_counts(conn: AsyncConnection) -> dict[str, int]:
    return {table.name: int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
            for table in tables_in_copy_order()}


async def copy_database(
    source_url: str, target_url: str, *, replace: bool = False, batch_rows: int = BATCH_ROWS,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every row from `source_url` into `target_url` (both migrated to the same revision).

    A target holding rows raises TargetNotEmpty unless `replace`: then its rows are deleted first (in the same
    transaction as the copy). `progress(table, rows_so_far)` is called after each batch.
    """
    source, target = Database(source_url), Database(target_url)
    report = CopyReport()
    try:
        # One transaction on each side: a consistent snapshot of the source (SQLite WAL, PostgreSQL MVCC), and
        # an all-or-nothing target.
        async with source.engine.begin() as reading, target.engine.begin() as writing:
            existing = await row_counts(writing)
            if any(existing.values()):
                if not replace:
                    raise TargetNotEmpty(existing)
                for table in reversed(tables_in_copy_order()):
                    await writing.execute(delete(table))
            for table in tables_in_copy_order():
                copied = 0
                result = await reading.stream(select(table).order_by(*table.primary_key.columns))
                async for rows in result.partitions(batch_rows):
                    await writing.execute(insert(table), [dict(row._mapping) for row in rows])
                    copied += len(rows)
                    if progress is not None:
                        progress(table.name, copied)
                report.tables[table.name] = copied
        async with source.engine.connect() as reading, target.engine.connect() as writing:
            before, after = await row_counts(reading), await row_counts(writing)
        mismatches = {name: (before[name], after[name]) for name in before
                      if before[name] != after[name] or after[name] != report.tables[name]}
        if mismatches:
            raise CountMismatch(mismatches)
        return report
    finally:
        await source.dispose()
        await target.dispose()
