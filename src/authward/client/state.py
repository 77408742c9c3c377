"""What a client knows between requests (server, stored session), kept apart from how requests are run."""

from __future__ import annotations

import time
from collections.abc import Callable

from authward.client.errors import NotLoggedIn, TokenExpired
from authward.client.models import Session, SessionPayload, SignInResponse, StoredSession
from authward.client.oauth_models import ProviderCache
from authward.client.storage import MemoryStorage, SessionStorage
from authward.client.tokens import unverified_claims

__all__ = ["API_PREFIX", "DEFAULT_BASE_URL", "ClientState", "Clock"]

API_PREFIX = "/v1"
DEFAULT_BASE_URL = "http://127.0.0.1:4000"

Clock = Callable[[], float]


class ClientState:
    """What a client knows between requests: where the server is and the stored session.

    Storage is the source of truth and is re-read on every use, so two clients (or two
    processes) sharing a FileStorage see each other's logins and rotated refresh tokens.
    """

    def __init__(
        self,
        base_url: str,
        storage: SessionStorage | None = None,
        *,
        clock: Clock = time.time,
        refresh_margin: float = 30.0,
        refresh_fraction: float = 0.1,
    ) -> None:
        url = base_url.rstrip("/")
        if url.endswith(API_PREFIX):
            url = url[: -len(API_PREFIX)]
        self.base_url = url
        self.storage: SessionStorage = storage if storage is not None else MemoryStorage()
        self.clock = clock
        self.refresh_margin = refresh_margin
        self.refresh_fraction = refresh_fraction
        self.provider = ProviderCache()  # the OAuth provider's discovery document and signing keys

    def url(self, path: str) -> str:
        """`path` under the API prefix; an absolute URL (from discovery) as it is."""
        if path.startswith(("https://", "http://")):
            return path
        return f"{self.base_url}{API_PREFIX}{path}"

    def detached(self) -> ClientState:
        """The same server with a throwaway memory storage: for calls whose session must not be kept."""
        return ClientState(self.base_url, MemoryStorage(), clock=self.clock)

    # -- reading
    def load(self) -> StoredSession | None:
        """The stored session if it belongs to this server (a token is never sent elsewhere)."""
        stored = self.storage.load()
        if stored is None or stored.base_url.rstrip("/") != self.base_url:
            return None
        return stored

    def needs_refresh(self) -> bool:
        stored = self.load()
        if stored is None or not stored.refresh_token:
            return False
        if not stored.access_token:
            return True
        if stored.expires_at is None:
            return False
        margin = self.refresh_margin
        if stored.lifetime:
            margin = min(margin, stored.lifetime * self.refresh_fraction)
        return self.clock() >= stored.expires_at - margin

    def bearer(self) -> str:
        stored = self.load()
        if stored is None or not stored.access_token:
            raise NotLoggedIn()
        if stored.expires_at is not None and self.clock() >= stored.expires_at and not stored.refresh_token:
            raise TokenExpired()
        return stored.access_token

    def refresh_token(self) -> str:
        stored = self.load()
        if stored is None or not stored.refresh_token:
            raise NotLoggedIn()
        return stored.refresh_token

    def mfa_ticket(self) -> str | None:
        stored = self.load()
        return stored.mfa_ticket if stored else None

    # -- writing
    def remember_session(self, session: Session) -> None:
        self.storage.save(
            StoredSession(
                base_url=self.base_url,
                access_token=session.access_token,
                refresh_token=session.refresh_token,
                refresh_token_id=session.refresh_token_id,
                expires_at=self.clock() + session.access_token_expires_in,
                lifetime=float(session.access_token_expires_in),
                user=session.user,
            )
        )

    def remember_sign_in(self, result: SignInResponse | SessionPayload) -> None:
        """Keep the session of a sign-in answer, or its MFA ticket while the second factor is due."""
        if result.session is not None:
            self.remember_session(result.session)
        elif isinstance(result, SignInResponse) and result.mfa is not None:
            self.remember_mfa_ticket(result.mfa.ticket)

    def remember_access_token(self, token: str) -> None:
        """A bare JWT (no refresh token): it lives until its own `exp`."""
        claims = unverified_claims(token) or {}
        exp, iat = claims.get("exp"), claims.get("iat")
        expires_at = float(exp) if isinstance(exp, int | float) else None
        lifetime = float(exp - iat) if isinstance(exp, int | float) and isinstance(iat, int | float) else None
        self.storage.save(
            StoredSession(base_url=self.base_url, access_token=token, expires_at=expires_at, lifetime=lifetime)
        )

    def remember_mfa_ticket(self, ticket: str) -> None:
        self.storage.save(StoredSession(base_url=self.base_url, mfa_ticket=ticket))

    def forget(self) -> None:
        if self.load() is not None:
            self.storage.clear()
