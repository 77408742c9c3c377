"""SQLite connections are kept between requests (storage/db.py): a connect and its PRAGMAs per request
had cost ~10% of a light route once more than SQLAlchemy's default five read at once."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from sqlalchemy import event, text

from authward.storage.db import Database


async def test_concurrent_readers_reuse_kept_connections(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=12)
    connects = 0

    def counted(*_: object) -> None:
        nonlocal connects
        connects += 1

    event.listen(db.engine.sync_engine, "connect", counted)
    try:
        async def readers(count: int) -> None:
            async with AsyncExitStack() as stack:  # `count` read sessions open at once, each with a connection
                sessions = [await stack.enter_async_context(db.read()) for _ in range(count)]
                results = await asyncio.gather(*(session.execute(text("SELECT 1")) for session in sessions))
                assert [result.scalar() for result in results] == [1] * count

        await readers(12)
        assert connects == 12
        for _ in range(3):  # the same load again: no connection is opened anew
            await readers(12)
        assert connects == 12
        await readers(15)  # beyond the pool: three more for now, closed after
        assert connects == 15
        await readers(12)
        assert connects == 15
    finally:
        await db.dispose()
