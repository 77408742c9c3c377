"""The registry of OAuth clients: create, read, update, rotate the secret, delete.

A client id is `aw_` + 24 hex characters; a secret is 256 random bits, shown once and stored as its
SHA-256 (it is high-entropy: no slow hash needed). Redirect URIs are matched exactly at /authorize, so
they are checked here: absolute, no fragment, http(s) or a private-use scheme (RFC 8252 native apps).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authward.clock import Clock, utc_now
from authward.security.secrets_at_rest import hash_secret
from authward.storage.db import Database
from authward.storage.models import OAuthClient
from authward.storage.repos import oauth_clients as clients_repo
from authward.storage.repos import refresh_tokens as tokens_repo

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant type
CLIENT_CREDENTIALS = "client_credentials"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - RFC 8693
# Auth0's grants (docs/auth0.md): what its SDKs send, each allowed per client like the others.
PASSWORD = "password"  # noqa: S105 - a grant type: off unless a client is allowed it (RFC 9700 §2.4)
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105
PASSWORDLESS_OTP = "http://auth0.com/oauth/grant-type/passwordless/otp"
MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
MFA_RECOVERY_CODE = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
KNOWN_GRANT_TYPES: set[str] = {AUTHORIZATION_CODE, REFRESH_TOKEN, CLIENT_CREDENTIALS, TOKEN_EXCHANGE, PASSWORD,
                               PASSWORD_REALM, PASSWORDLESS_OTP, MFA_OTP, MFA_RECOVERY_CODE}
LEGACY_ENDPOINTS = "legacy_endpoints"  # client setting: Auth0's deprecated /oauth/ro, /delegation, /tokeninfo
USER_GRANTS = {AUTHORIZATION_CODE}  # grants a public client may hold need no secret
DEFAULT_GRANTS = [AUTHORIZATION_CODE, REFRESH_TOKEN]
STANDARD_SCOPES = ["openid", "profile", "email", "phone", "offline_access"]
DEFAULT_SCOPES = ["openid", "profile", "email"]
CLIENT_ID_PREFIX = "aw_"


class ClientError(ValueError):
    """A client definition that cannot be registered (the CLI prints it and exits 2)."""


@dataclass
class ClientSpec:
    """What an operator says of a client; validated by `check`."""

    name: str
    redirect_uris: list[str] = field(default_factory=list)
    grant_types: list[str] = field(default_factory=lambda: list(DEFAULT_GRANTS))
    scopes: list[str] = field(default_factory=lambda: list(DEFAULT_SCOPES))
    audiences: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    public: bool = False
    first_party: bool = False
    logo_url: str | None = None
    jwks: dict[str, Any] | None = None
    access_token_ttl: int | None = None
    refresh_token_ttl: int | None = None
    legacy_endpoints: bool = False  # Auth0's deprecated /oauth/ro, /delegation, /tokeninfo (docs/auth0.md)
    settings: dict[str, Any] = field(default_factory=dict)

    def stored_settings(self) -> dict[str, Any]:
        return {**self.settings, LEGACY_ENDPOINTS: self.legacy_endpoints}

    def check(self) -> None:
        if not self.name.strip() or len(self.name) > 255:
            raise ClientError("a client needs a name of 1 to 255 characters")
        for uri in [*self.redirect_uris, *self.post_logout_redirect_uris]:
            check_redirect_uri(uri)
        unknown = sorted(set(self.grant_types) - KNOWN_GRANT_TYPES)
        if unknown:
            known = ", ".join(sorted(KNOWN_GRANT_TYPES))
            raise ClientError(f"unknown grant type(s): {', '.join(unknown)}; known: {known}")
        if AUTHORIZATION_CODE in self.grant_types and not self.redirect_uris:
            raise ClientError("the authorization_code grant needs at least one --redirect-uri")
        if self.public and CLIENT_CREDENTIALS in self.grant_types:
            raise ClientError("a public client cannot use client_credentials (it holds no secret)")
        for scope in self.scopes:
            if not scope or any(ch.isspace() or ch in '"\\' for ch in scope):
                raise ClientError(f"invalid scope {scope!r}")
        for audience in self.audiences:
            if not audience or len(audience) > 2048:
                raise ClientError(f"invalid audience {audience!r}")
        for ttl in (self.access_token_ttl, self.refresh_token_ttl):
            if ttl is not None and not 10 <= ttl <= 400 * 86_400:
                raise ClientError("token lifetimes are between 10 seconds and 400 days")
        if self.jwks is not None and not isinstance(self.jwks.get("keys"), list):
            raise ClientError("--jwks must be a JWK Set: {\"keys\": [...]}")


def check_redirect_uri(uri: str) -> None:
    parts = urlsplit(uri)
    if not parts.scheme or len(uri) > 2048:
        raise ClientError(f"redirect URI {uri!r} is not an absolute URI")
    if parts.fragment or "#" in uri:
        raise ClientError(f"redirect URI {uri!r} has a fragment (RFC 6749 §3.1.2)")
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise ClientError(f"redirect URI {uri!r} has no host")
    if parts.scheme in ("javascript", "data", "file", "vbscript"):
        raise ClientError(f"redirect URI scheme {parts.scheme!r} is not allowed")


@dataclass(frozen=True)
class CreatedClient:
    client: OAuthClient
    secret: str | None  # shown once; None for a public client


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class ClientRegistry:
    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def create(self, spec: ClientSpec) -> CreatedClient:
        spec.check()
        now = self._clock()
        secret = None if spec.public else new_secret()
        client = OAuthClient(
            client_id=CLIENT_ID_PREFIX + uuid.uuid4().hex[:24],
            client_secret_hash=hash_secret(secret) if secret else None,
            name=spec.name.strip(), redirect_uris=list(dict.fromkeys(spec.redirect_uris)),
            grant_types=list(dict.fromkeys(spec.grant_types)), scopes=list(dict.fromkeys(spec.scopes)),
            is_public=spec.public, created_at=now, updated_at=now,
            post_logout_redirect_uris=list(dict.fromkeys(spec.post_logout_redirect_uris)),
            audiences=list(dict.fromkeys(spec.audiences)), first_party=spec.first_party, logo_url=spec.logo_url,
            jwks=spec.jwks, access_token_ttl=spec.access_token_ttl, refresh_token_ttl=spec.refresh_token_ttl,
            settings=spec.stored_settings(),
        )
        async with self._db.write() as session:
            await clients_repo.add(session, client)
        return CreatedClient(client, secret)

    async def get(self, client_id: str) -> OAuthClient | None:
        async with self._db.read() as session:
            return await clients_repo.get(session, client_id)

    async def list(self) -> list[OAuthClient]:
        async with self._db.read() as session:
            return await clients_repo.list_all(session)

    async def update(self, client_id: str, **changes: Any) -> OAuthClient:
        """Change the given fields of `ClientSpec` (others stay); the result is checked as a whole."""
        async with self._db.write() as session:
            client = await clients_repo.get(session, client_id)
            if client is None:
                raise ClientError(f"no client {client_id!r}")
            spec = spec_of(client)
            for name, value in changes.items():
                if not hasattr(spec, name):
                    raise ClientError(f"unknown client field {name!r}")
                setattr(spec, name, value)
            spec.check()
            if spec.public != client.is_public:
                raise ClientError("a client cannot switch between public and confidential; create a new one")
            client.name = spec.name.strip()
            client.redirect_uris = list(dict.fromkeys(spec.redirect_uris))
            client.grant_types = list(dict.fromkeys(spec.grant_types))
            client.scopes = list(dict.fromkeys(spec.scopes))
            client.audiences = list(dict.fromkeys(spec.audiences))
            client.post_logout_redirect_uris = list(dict.fromkeys(spec.post_logout_redirect_uris))
            client.first_party = spec.first_party
            client.logo_url = spec.logo_url
            client.jwks = spec.jwks
            client.access_token_ttl = spec.access_token_ttl
            client.refresh_token_ttl = spec.refresh_token_ttl
            client.settings = spec.stored_settings()
            client.updated_at = self._clock()
            await session.flush()
            return client

    async def rotate_secret(self, client_id: str) -> str:
        """A new secret (shown once); the old one stops working at once."""
        secret = new_secret()
        async with self._db.write() as session:
            client = await clients_repo.get(session, client_id)
            if client is None:
                raise ClientError(f"no client {client_id!r}")
            if client.is_public:
                raise ClientError("a public client has no secret")
            client.client_secret_hash = hash_secret(secret)
            client.updated_at = self._clock()
        return secret

    async def delete(self, client_id: str) -> bool:
        """Also ends every refresh-token family of the client (its consents go by cascade)."""
        async with self._db.write() as session:
            await tokens_repo.revoke_all_for_client(session, client_id)
            return await clients_repo.delete_client(session, client_id)


def spec_of(client: OAuthClient) -> ClientSpec:
    return ClientSpec(
        name=client.name, redirect_uris=list(client.redirect_uris), grant_types=list(client.grant_types),
        scopes=list(client.scopes), audiences=list(client.audiences or []),
        post_logout_redirect_uris=list(client.post_logout_redirect_uris or []), public=client.is_public,
        first_party=client.first_party, logo_url=client.logo_url, jwks=client.jwks,
        access_token_ttl=client.access_token_ttl, refresh_token_ttl=client.refresh_token_ttl,
        legacy_endpoints=bool((client.settings or {}).get(LEGACY_ENDPOINTS)),
        settings={k: v for k, v in (client.settings or {}).items() if k != LEGACY_ENDPOINTS},
    )


def client_json(client: OAuthClient) -> dict[str, Any]:
    """The client as the CLI and the admin API show it (never a secret or its hash)."""
    return {
        "client_id": client.client_id, "name": client.name, "public": client.is_public,
        "first_party": client.first_party, "redirect_uris": list(client.redirect_uris),
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris or []),
        "grant_types": list(client.grant_types), "scopes": list(client.scopes),
        "audiences": list(client.audiences or []), "logo_url": client.logo_url,
        "token_endpoint_auth_methods": auth_methods_of(client), "jwks": client.jwks,
        "access_token_ttl": client.access_token_ttl, "refresh_token_ttl": client.refresh_token_ttl,
        "legacy_endpoints": bool((client.settings or {}).get(LEGACY_ENDPOINTS)),
        "settings": {k: v for k, v in (client.settings or {}).items() if k != LEGACY_ENDPOINTS},
        "created_at": client.created_at.isoformat(),
        "updated_at": client.updated_at.isoformat() if client.updated_at else None,
    }


def auth_methods_of(client: OAuthClient) -> list[str]:
    """How the client may authenticate at the token, revocation and introspection endpoints."""
    if client.is_public:
        return ["none"]
    methods = ["client_secret_basic", "client_secret_post"]
    if client.jwks:
        methods.append("private_key_jwt")
    return methods
