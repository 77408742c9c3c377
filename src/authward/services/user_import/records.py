"""The one shape every source format is read into, and the counts an import answers with."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ImportedUser:
    """One user as a source describes it, before any check; `where` locates it in the source (for reports)."""

    where: str
    id: uuid.UUID | None = None
    email: str | None = None
    email_verified: bool = False
    phone_number: str | None = None
    phone_number_verified: bool = False
    password_hash: str | None = None
    password: str | None = None  # a plaintext password (the generic CSV only): hashed with argon2id on import
    display_name: str = ""
    avatar_url: str = ""
    locale: str | None = None
    default_role: str | None = None
    roles: list[str] | None = None  # None: the configured allowed roles, as a sign-up would get
    metadata: dict[str, Any] = field(default_factory=dict)
    disabled: bool = False
    is_anonymous: bool = False
    created_at: datetime | None = None
    last_seen: datetime | None = None
    providers: list[tuple[str, str]] = field(default_factory=list)  # (provider, provider_user_id)
    totp_secret: str | None = None  # base32, an active TOTP second factor


@dataclass(frozen=True)
class Unreadable:
    """A row of the source that could not be read as a user at all (malformed JSON, a bad CSV line)."""

    where: str
    reason: str


@dataclass
class ImportSummary:
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    failed_reasons: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # the first few skipped or failed rows, located
    dry_run: bool = False

    MAX_EXAMPLES = 20

    def skip(self, where: str, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons[reason] += 1
        self._example(f"{where}: skipped: {reason}")

    def fail(self, where: str, reason: str) -> None:
        self.failed += 1
        self.failed_reasons[reason] += 1
        self._example(f"{where}: failed: {reason}")

    def _example(self, line: str) -> None:
        if len(self.examples) < self.MAX_EXAMPLES:
            self.examples.append(line)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported, "skipped": self.skipped, "failed": self.failed,
            "skipped_reasons": dict(self.skipped_reasons), "failed_reasons": dict(self.failed_reasons),
            "dry_run": self.dry_run,
        }
