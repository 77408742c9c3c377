"""Bulk-load bench users straight into a migrated database: `python bench/load_users.py URL COUNT`.

Users are `bench-<n>@example.com` with one shared argon2id hash of the bench password (made once with
the server's default parameters), verified, in batches of 10,000 rows through SQLAlchemy Core: a
million users load in about a minute. Numbering continues after the users already there.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from authward.security.passwords import PasswordHasher
from authward.storage.db import Database
from authward.storage.models import User

PASSWORD = "correct horse battery staple"
BATCH = 10_000


def email(n: int) -> str:
    return f"bench-{n}@example.com"


async def load(url: str, count: int) -> int:
    password_hash = PasswordHasher().hash_sync(PASSWORD)
    db = Database(url)
    try:
        async with db.read() as session:
            start = int(await session.scalar(select(func.count()).select_from(User)) or 0)
        now = datetime.now(UTC)
        for first in range(start, start + count, BATCH):
            rows: list[dict[str, Any]] = [
                {"id": uuid.uuid4(), "created_at": now, "updated_at": now, "email": email(n), "email_verified": True,
                 "display_name": email(n), "password_hash": password_hash, "default_role": "user",
                 "roles": ["user", "me"], "locale": "en", "user_metadata": {}}
                for n in range(first, min(first + BATCH, start + count))
            ]
            async with db.write() as session:
                await session.execute(insert(User), rows)
        return start + count
    finally:
        await db.dispose()


if __name__ == "__main__":
    began = time.perf_counter()
    total = asyncio.run(load(sys.argv[1], int(sys.argv[2])))
    print(f"{total} users ({int(sys.argv[2])} loaded in {time.perf_counter() - began:.1f} s)", file=sys.stderr)
