"""[audit]: how long the audit log keeps its events (docs/admin.md)."""

from __future__ import annotations

from pydantic import Field

from authward.settings.section_base import Section


class AuditSettings(Section):
    """[audit]: the security event log."""

    retention_days: int = Field(default=365, ge=0, le=36_500)  # events older are pruned; 0 keeps them for ever
