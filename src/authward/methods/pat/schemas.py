"""Request and response models of the PAT routes (list and revoke go beyond the spec)."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from authward.api.nhost.schemas import Metadata, StrictModel


class CreatePATRequest(StrictModel):
    expiresAt: AwareDatetime
    metadata: Metadata | None = None


class CreatePATResponse(BaseModel):
    id: str
    personalAccessToken: str


class SignInPATRequest(StrictModel):
    # The spec's unanchored UUID pattern: our tokens (two UUID-shaped groups, 256 bits) match it.
    personalAccessToken: str = Field(pattern=r"\b[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}\b")


class PersonalAccessTokenInfo(BaseModel):
    id: str
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    expiresAt: str = Field(json_schema_extra={"format": "date-time"})
    lastUsedAt: str | None = Field(default=None, json_schema_extra={"format": "date-time"})
    metadata: dict[str, Any]


class PersonalAccessTokenList(BaseModel):
    personalAccessTokens: list[PersonalAccessTokenInfo]
