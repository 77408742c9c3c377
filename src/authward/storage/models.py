"""The schema. Later sign-in methods add rows (credentials, tickets), not columns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from authward.storage.types import JsonType, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    avatar_url: Mapped[str] = mapped_column(String(2048), default="")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Stored normalised (lower case); unique, so uniqueness is case-insensitive.
    email: Mapped[str | None] = mapped_column(String(320), unique=True, nullable=True)
    new_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_number: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    phone_number_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    default_role: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JsonType, default=list)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    user_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JsonType, default=dict)
    active_mfa_type: Mapped[str | None] = mapped_column(String(16), nullable=True)


class RefreshToken(Base):
    """One row per issued refresh token; rotation links a child to its parent within a family.

    Only the SHA-256 of the token is stored. A family is one sign-in: reuse of a rotated
    member revokes the whole family.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_status", "family_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | rotated | revoked
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    family_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # How the family was authenticated: methods (RFC 8176 amr values) and when.
    amr: Mapped[list[str]] = mapped_column(JsonType, default=list)
    auth_time: Mapped[datetime] = mapped_column(UtcDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # The OAuth client the family was issued to, and the scopes it was granted (None: a first-party
    # session of the Nhost face). A refresh keeps both; a narrower scope set never widens again.
    client_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    scopes: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)
    audience: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)  # the APIs its tokens are for


class SigningKey(Base):
    """JWT signing keys; the private key is encrypted with a key derived from AUTHWARD_SECRET_KEY."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JsonType)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # After this, no token signed with the key can still be valid: it leaves the JWKS.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Ticket(Base):
    """Every single-use secret (email link or code, SMS code, MFA ticket, ...), stored hashed.

    `kind` is a `TicketKind` value (storage/ticket_kinds.py). The owner is the user and/or the
    address the secret is bound to (`owner`: an email address, a phone number or a client id).
    """

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_user_kind", "user_id", "kind"),
        Index("ix_tickets_kind_owner", "kind", "owner"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(320), nullable=True)
    secret_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class Credential(Base):
    """Typed credentials of a user (TOTP secret, recovery codes, WebAuthn keys, ...), Kratos-style."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("type", "identifier"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    identifier: Mapped[str | None] = mapped_column(String(512), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PersonalAccessToken(Base):
    __tablename__ = "personal_access_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    token_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JsonType, default=dict)


class ProviderLink(Base):
    """A user's identity at an external provider, namespaced by (provider, provider_user_id)."""

    __tablename__ = "provider_links"
    __table_args__ = (UniqueConstraint("provider", "provider_user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(64))
    provider_user_id: Mapped[str] = mapped_column(String(255))
    access_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    refresh_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OAuthClient(Base):
    """A relying party of the OAuth 2.0 / OIDC face (managed by `authward clients`)."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)  # SHA-256; None: public
    name: Mapped[str] = mapped_column(String(255))
    redirect_uris: Mapped[list[str]] = mapped_column(JsonType, default=list)  # matched exactly
    grant_types: Mapped[list[str]] = mapped_column(JsonType, default=list)
    scopes: Mapped[list[str]] = mapped_column(JsonType, default=list)  # the scopes it may ask for
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JsonType, default=list)
    audiences: Mapped[list[str]] = mapped_column(JsonType, default=list)  # APIs it may get access tokens for
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)  # skips the consent page
    logo_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)  # private_key_jwt public keys
    access_token_ttl: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the server's default
    refresh_token_ttl: Mapped[int | None] = mapped_column(Integer, nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)  # per-client flags of later faces


class OAuthConsent(Base):
    """A user's remembered consent to a third-party client, for the scopes listed (revocable)."""

    __tablename__ = "oauth_consents"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id", ondelete="CASCADE"))
    scopes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """Mail and SMS that the server sends, kept until delivered (and as the dev outbox)."""

    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed | logged
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AuditEvent(Base):
    """An append-only security event: what happened, to whom, when, from where, and who did it.

    No foreign key on `user_id`: the trail of a deleted user stays (until the retention prunes it).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_event_created_at", "event", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    event: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # Who acted, when not the user themselves: an admin (`admin-secret`, `user:<id>`) or the operator CLI.
    actor: Mapped[str | None] = mapped_column(String(128), nullable=True)


class WebhookEndpoint(Base):
    """Where audit events are sent (managed by `authward webhooks`); the signing secret is encrypted at rest."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    url: Mapped[str] = mapped_column(String(2048))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    events: Mapped[list[str]] = mapped_column(JsonType, default=list)  # event names, or ["*"] for all
    description: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookMessage(Base):
    """An audit event waiting to be fanned out to the endpoints that want it.

    Added in the same transaction as the audit row (`services/audit.py`): an event of a rolled-back
    request is never sent, a committed one is never lost. `body` is the exact JSON every attempt signs.
    """

    __tablename__ = "webhook_messages"
    __table_args__ = (Index("ix_webhook_messages_fanned_out_created_at", "fanned_out", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    event: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False)


class WebhookDelivery(Base):
    """One message to one endpoint: pending until a 2xx answer, retried with backoff, then failed."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)  # the webhook-id header
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
