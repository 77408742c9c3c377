"""Who performs an administrative action, as the audit log names them (`audit_events.actor`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

SECRET_ACTOR = "admin-secret"  # noqa: S105 - a label, not a secret: a request holding AUTHWARD_ADMIN_SECRET
CLI_ACTOR = "cli"  # the operator CLI on the database itself


@dataclass(frozen=True)
class Actor:
    label: str

    @classmethod
    def admin_user(cls, user_id: uuid.UUID | str) -> Actor:
        """A signed-in user holding the `admin` role."""
        return cls(f"user:{user_id}")

    @classmethod
    def secret(cls) -> Actor:
        return cls(SECRET_ACTOR)

    @classmethod
    def cli(cls) -> Actor:
        return cls(CLI_ACTOR)
