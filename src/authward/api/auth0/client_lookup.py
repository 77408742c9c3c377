"""Which client an Auth0 endpoint serves: authenticated when it sends credentials, else named by id.

Auth0's SDKs send a secret (or an assertion) to some endpoints and only `client_id` to others
(`/dbconnections/*`, v2's `/passwordless/start`); a public client never has a secret.
"""

from __future__ import annotations

from fastapi import Request

from authward.api.oauth.wire import presented_client
from authward.errors import OAuthError
from authward.services.core import Core
from authward.services.oauth.client_auth import ClientAuthenticator
from authward.services.oauth.clients import LEGACY_ENDPOINTS
from authward.storage.models import OAuthClient
from authward.storage.repos import oauth_clients as clients_repo


async def client_of(request: Request, params: dict[str, str], core: Core,
                    authenticator: ClientAuthenticator) -> OAuthClient:
    presented = presented_client(request, params)
    if presented.client_secret or presented.assertion or presented.authorization:
        return await authenticator.authenticate(presented)
    async with core.db.read() as session:
        client = await clients_repo.get(session, params.get("client_id", ""))
    if client is None:
        raise OAuthError("invalid_client", "Unknown client_id", 401)
    return client


def require_legacy(client: OAuthClient) -> None:
    """The deprecated v2 endpoints, for clients explicitly allowed them (`clients create --legacy-endpoints`)."""
    if not (client.settings or {}).get(LEGACY_ENDPOINTS):
        raise OAuthError("unauthorized_client", "Legacy endpoints are not enabled for this client", 403)
