"""The admin API's request and response models (typed, so they appear in /openapi.json)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from authward.api.nhost.schemas import Metadata, StrictModel, User

PHONE_PATTERN = r"^\+[1-9][0-9]{1,14}$"  # E.164


class AdminUser(User):
    """The Nhost user shape (as GET /user answers it), plus what only an admin sees."""

    disabled: bool
    updatedAt: str = Field(json_schema_extra={"format": "date-time"})
    lastSeen: str | None = Field(default=None, json_schema_extra={"format": "date-time"})


class UserList(BaseModel):
    users: list[AdminUser]
    total: int


class CreateUserRequest(StrictModel):
    email: str = Field(max_length=320, json_schema_extra={"format": "email"})
    password: str | None = Field(default=None, min_length=1, max_length=4096)
    emailVerified: bool = False
    roles: list[str] | None = None
    defaultRole: str | None = Field(default=None, max_length=64)
    displayName: str | None = Field(default=None, max_length=32)
    locale: str | None = Field(default=None, min_length=2, max_length=3)
    phoneNumber: str | None = Field(default=None, pattern=PHONE_PATTERN)
    metadata: Metadata | None = None


class UpdateUserRequest(StrictModel):
    displayName: str | None = Field(default=None, max_length=32)
    avatarUrl: str | None = Field(default=None, max_length=2048)
    locale: str | None = Field(default=None, min_length=2, max_length=3)
    roles: list[str] | None = None
    defaultRole: str | None = Field(default=None, max_length=64)
    metadata: Metadata | None = None
    email: str | None = Field(default=None, max_length=320, json_schema_extra={"format": "email"})
    emailVerified: bool | None = None
    phoneNumber: str | None = Field(default=None, pattern=PHONE_PATTERN + "|^$")  # "" removes it
    phoneNumberVerified: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=4096)


class PasswordResetRequest(StrictModel):
    redirectTo: str | None = Field(default=None, max_length=2048)


class InviteRequest(StrictModel):
    email: str = Field(max_length=320, json_schema_extra={"format": "email"})
    roles: list[str] | None = None
    defaultRole: str | None = Field(default=None, max_length=64)
    displayName: str | None = Field(default=None, max_length=32)
    locale: str | None = Field(default=None, min_length=2, max_length=3)
    metadata: Metadata | None = None


class RevokedSessions(BaseModel):
    revoked: int


class MfaRemoved(BaseModel):
    removed: bool


class UserSession(BaseModel):
    id: str
    userAgent: str | None
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    lastUsedAt: str = Field(json_schema_extra={"format": "date-time"})
    expiresAt: str = Field(json_schema_extra={"format": "date-time"})
    amr: list[str]
    clientId: str | None


class UserSessions(BaseModel):
    sessions: list[UserSession]


class AuditEventModel(BaseModel):
    id: str
    event: str
    userId: str | None
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    ip: str | None
    userAgent: str | None
    actor: str | None
    data: dict[str, Any]


class AuditEvents(BaseModel):
    events: list[AuditEventModel]
    total: int


class WebhookDeliveryModel(BaseModel):
    id: str
    webhookId: str  # the `webhook-id` header of its attempts
    event: str
    endpointId: str
    url: str
    status: str  # pending | delivered | failed
    attempts: int
    lastStatusCode: int | None
    lastError: str | None
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    nextAttemptAt: str | None
    deliveredAt: str | None


class WebhookDeliveries(BaseModel):
    deliveries: list[WebhookDeliveryModel]


class SigningKeyModel(BaseModel):
    kid: str
    algorithm: str
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    retiredAt: str | None
    expiresAt: str | None
    signing: bool


class SigningKeys(BaseModel):
    keys: list[SigningKeyModel]


class RotatedKey(BaseModel):
    kid: str


class ClientRequest(StrictModel):
    """An OAuth client, as `authward clients create` takes it (docs/oauth.md)."""

    name: str = Field(min_length=1, max_length=255)
    redirect_uris: list[str] = Field(default_factory=list)
    grant_types: list[str] | None = None
    scopes: list[str] | None = None
    audiences: list[str] = Field(default_factory=list)
    post_logout_redirect_uris: list[str] = Field(default_factory=list)
    public: bool = False
    first_party: bool = False
    logo_url: str | None = Field(default=None, max_length=2048)
    access_token_ttl: int | None = Field(default=None, ge=1)
    refresh_token_ttl: int | None = Field(default=None, ge=1)


class ClientModel(BaseModel):
    model_config = {"extra": "allow"}
    client_id: str
    name: str


class CreatedClientModel(BaseModel):
    client: ClientModel
    client_secret: str | None


class ClientList(BaseModel):
    clients: list[ClientModel]


class Deleted(BaseModel):
    deleted: bool


class Sent(BaseModel):
    sent: bool
