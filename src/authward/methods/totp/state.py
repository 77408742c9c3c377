"""What the TOTP credential remembers in its `data`: activation, the last accepted step, failures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

# Consecutive wrong codes (TOTP or recovery) before the account's second factor pauses, and for how long.
# Far below NIST 800-63B's ceiling of 100, and high enough that a user's typos never hit it.
MAX_CONSECUTIVE_FAILURES = 10
LOCKOUT_SECONDS = 15 * 60


@dataclass(frozen=True)
class TotpState:
    active: bool = False
    last_step: int | None = None  # a code for this step or an earlier one is refused (replay)
    failures: int = 0
    failed_at: float | None = None  # POSIX seconds of the last failure

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TotpState:
        return cls(
            active=bool(data.get("active", False)),
            last_step=data.get("last_step"),
            failures=int(data.get("failures", 0)),
            failed_at=data.get("failed_at"),
        )

    def to_data(self) -> dict[str, Any]:
        return {"active": self.active, "last_step": self.last_step, "failures": self.failures,
                "failed_at": self.failed_at}

    def _lock_running(self, now: datetime) -> bool:
        return self.failed_at is not None and now.timestamp() - self.failed_at < LOCKOUT_SECONDS

    def locked(self, now: datetime) -> bool:
        return self.failures >= MAX_CONSECUTIVE_FAILURES and self._lock_running(now)

    def failed(self, now: datetime) -> TotpState:
        base = self.failures if self.failures < MAX_CONSECUTIVE_FAILURES or self._lock_running(now) else 0
        return replace(self, failures=base + 1, failed_at=now.timestamp())

    def accepted(self, step: int | None) -> TotpState:
        last = self.last_step if step is None else step
        return replace(self, last_step=last, failures=0, failed_at=None)
