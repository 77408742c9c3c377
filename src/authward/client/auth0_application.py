"""The state of an Auth0 `AuthenticationClient`: which server it talks to and which application it speaks as."""

from __future__ import annotations

import time
from collections.abc import Callable

from authward.client.state import ClientState

__all__ = ["DEFAULT_CONNECTION", "Application", "as_application"]

DEFAULT_CONNECTION = "Username-Password-Authentication"


class Application(ClientState):
    """An `AuthenticationClient`'s state: the server at `{scheme}://{domain}` and the application it speaks as.

    Paths are the server root's (Auth0 has no `/v1`). No session is stored: the storage stays empty.
    """

    def __init__(
        self,
        domain: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        scheme: str = "https",
        connection: str = DEFAULT_CONNECTION,
        verify_id_tokens: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        host = domain.strip().rstrip("/")
        if not host or "://" in host or "/" in host:
            raise ValueError(f"domain is a host name (and port), e.g. 'tenant.example.com', not {domain!r}")
        if scheme not in ("https", "http"):
            raise ValueError(f"scheme must be 'https' or 'http', not {scheme!r}")
        if not client_id:
            raise ValueError("client_id is required")
        super().__init__(f"{scheme}://{host}", clock=clock)
        self.domain = host
        self.client_id = client_id
        self.client_secret = client_secret
        self.connection = connection
        self.verify_id_tokens = verify_id_tokens

    def url(self, path: str) -> str:
        """`path` on the server root; an absolute URL (from discovery) as it is."""
        if path.startswith(("https://", "http://")):
            return path
        return f"{self.base_url}{path}"

    def credentials(self, *, secret: bool = True) -> dict[str, str]:
        """The body fields that name (and, with `secret` and a secret configured, authenticate) the client."""
        fields = {"client_id": self.client_id}
        if secret and self.client_secret is not None:
            fields["client_secret"] = self.client_secret
        return fields


def as_application(ctx: ClientState) -> Application:
    """`ctx` as the Application an Auth0 flow needs; TypeError when a flow runs on another client's state."""
    if not isinstance(ctx, Application):
        raise TypeError("Auth0 flows run on an AuthenticationClient (an Application state)")
    return ctx
