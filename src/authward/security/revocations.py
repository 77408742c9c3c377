"""Access tokens refused before they expire: a disabled or deleted user's, on every instance.

An access token is a signature checked without the database (security/jwt.py even remembers the
check), so a disabled user's token would still pass `/token/verify` until it expires. Disabling or
deleting a user records a cutoff: that user's tokens issued at or before it are refused, with the
reason (`disabled`, `deleted`), so routes answer as they would after reading the user row. Enabling
the user again removes the cutoff: the token checks then agree with the routes that read the row.
Every decode reads the cutoffs from this process's memory (one dict lookup, none while there are none).

With AUTHWARD_REDIS_URL every change is also appended to a Redis stream, and every instance follows
the stream in a maintenance loop (a blocking XREAD: an entry arrives within milliseconds), so every
instance refuses the tokens at once. An instance starting reads the whole stream first. Without Redis
(or while it cannot be reached) only the instance that disabled the user refuses the tokens at once;
the others accept them until they expire (routes that read the user row refuse them everywhere).

A cutoff is kept for a day, the longest access-token lifetime (AUTHWARD_ACCESS_TOKEN_EXPIRES_IN's
bound); every token it could refuse has expired by then. It is set a few seconds ahead of the clock
(`jwt.LEEWAY_SECONDS`), for instances whose clocks differ.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("authward")

HORIZON_SECONDS = 86_400  # keep a cutoff this long: no access token lives longer
SKEW_SECONDS = 5  # the cutoff is set this far ahead (jwt.LEEWAY_SECONDS: instances' clocks differ)
FOLLOW_BLOCK_MS = 500  # one XREAD waits this long for an entry (a shutdown waits at most this), then reads again
MAX_STREAM_ENTRIES = 100_000  # trimmed (approximately) beyond this many
RETRY_SECONDS = 1.0  # after Redis failed to answer
DISABLED, DELETED, ENABLED = "disabled", "deleted", "enabled"  # why; ENABLED removes the cutoff


class Revocations:
    """Per-user cutoffs: `refusal(claims)` on the hot path, `revoke_user` when a user is shut out."""

    def __init__(self, redis_url: str | None, key_prefix: str = "authward",
                 clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._cutoffs: dict[str, tuple[float, str]] = {}  # user id -> (cutoff, reason)
        self._key = f"{key_prefix}:revocations"
        self._redis: Any = None
        if redis_url:
            import coredis

            self._redis = coredis.Redis.from_url(redis_url, decode_responses=True)
        self._last_id: str | None = None  # None: read the whole stream first
        self._unreachable = False

    @property
    def shared(self) -> bool:
        """Whether other instances hear of the cutoffs (Redis is configured)."""
        return self._redis is not None

    def refusal(self, claims: dict[str, Any]) -> str | None:
        """Why a verified token is refused (its user was shut out after it was issued), or None."""
        if not self._cutoffs:
            return None
        found = self._cutoffs.get(claims.get("sub"))  # type: ignore[arg-type]
        return found[1] if found is not None and claims["iat"] <= found[0] else None

    async def revoke_user(self, user_id: object, reason: str = DISABLED) -> None:
        """Refuse every access token issued to the user until now, here at once and on every instance."""
        await self._record(str(user_id), self._clock() + SKEW_SECONDS, reason)

    async def restore_user(self, user_id: object) -> None:
        """The user is enabled again: the cutoff goes, here and on every instance."""
        await self._record(str(user_id), 0.0, ENABLED)

    async def _record(self, subject: str, cutoff: float, reason: str) -> None:
        self._apply(subject, cutoff, reason)
        if self._redis is None:
            return
        from coredis.tokens import PureToken

        try:
            await self._redis.xadd(self._key, {"sub": subject, "cutoff": repr(cutoff), "reason": reason},
                                   trim_strategy=PureToken.MAXLEN, threshold=MAX_STREAM_ENTRIES,
                                   trim_operator=PureToken.APPROXIMATELY)
        except Exception as exc:
            log.warning("revocation not shared (Redis unreachable: %s): other instances accept the user's "
                        "access tokens until they expire", exc)

    async def follow(self) -> int:
        """Apply what other instances recorded: one read of the stream, waiting up to FOLLOW_BLOCK_MS for it.

        The maintenance loop calls this again at once (`Job.every_seconds` 0); answers 0 (no rows).
        """
        if self._redis is None:
            return 0
        try:
            if self._last_id is None:
                entries = await self._redis.xrange(self._key, "-", "+")
                self._last_id = "0-0"
            else:
                answer = await self._redis.xread({self._key: self._last_id}, count=1000, block=FOLLOW_BLOCK_MS)
                entries = answer.get(self._key, ()) if answer else ()
        except Exception as exc:
            if not self._unreachable:
                log.warning("cannot follow revocations (Redis unreachable: %s); retrying", exc)
            self._unreachable = True
            await asyncio.sleep(RETRY_SECONDS)
            return 0
        if self._unreachable:
            log.warning("following revocations again")
            self._unreachable = False
        for entry in entries:
            fields = entry.field_values
            try:
                self._apply(str(fields["sub"]), float(fields["cutoff"]), str(fields["reason"]))
            except (KeyError, ValueError):
                log.warning("ignored a malformed revocation entry %s", entry.identifier)
            self._last_id = entry.identifier
        self._forget_old()
        return 0

    def _apply(self, subject: str, cutoff: float, reason: str) -> None:
        """Entries apply in the stream's order (this instance's own come back to it, harmlessly)."""
        if reason == ENABLED:
            self._cutoffs.pop(subject, None)
        else:
            self._cutoffs[subject] = (cutoff, reason)

    def _forget_old(self) -> None:
        oldest = self._clock() - HORIZON_SECONDS
        if self._cutoffs and min(cutoff for cutoff, _ in self._cutoffs.values()) < oldest:
            self._cutoffs = {sub: entry for sub, entry in self._cutoffs.items() if entry[0] >= oldest}

    async def aclose(self) -> None:
        if self._redis is not None:
            pool = getattr(self._redis, "connection_pool", None)
            disconnect = getattr(pool, "disconnect", None)
            if disconnect is not None:
                result = disconnect()
                if asyncio.iscoroutine(result):
                    await result
