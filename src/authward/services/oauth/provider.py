"""The OAuth provider's object graph, built from the core services (the OAuth face's `build`)."""

from __future__ import annotations

from authward.services.core import Core
from authward.services.oauth.authorization import AuthorizationService
from authward.services.oauth.client_auth import ClientAuthenticator
from authward.services.oauth.clients import TOKEN_EXCHANGE, ClientRegistry
from authward.services.oauth.consents import ConsentService
from authward.services.oauth.grants import TokenEndpoint
from authward.services.oauth.id_tokens import IdTokens
from authward.services.oauth.token_exchange import TokenExchange
from authward.services.oauth.token_state import TokenState
from authward.services.runtime import Built

TOKEN_PATHS = ("/oauth/token", "/oauth2/token")


def build_oauth(core: Core) -> Built:
    settings = core.settings
    public = settings.server.public_url
    authenticator = ClientAuthenticator(core.db, core.tickets, settings.issuer, f"{public}{TOKEN_PATHS[0]}", core.clock,
                                        also_accepted=[f"{public}{path}" for path in TOKEN_PATHS[1:]])
    authorization = AuthorizationService(core.db, core.tickets, settings, core.clock)
    id_tokens = IdTokens(core.codec, settings.issuer, settings.oauth.id_token_expires_in)
    tokens = TokenEndpoint(core.db, authenticator, authorization, core.sign_in, core.sessions, id_tokens, settings,
                           core.clock)
    state = TokenState(core.db, core.codec, authenticator, tokens.userinfo_audience, core.clock)
    exchange = TokenExchange(core.db, core.codec, core.sessions, core.sign_in.policy, tokens, core.clock)
    tokens.grants[TOKEN_EXCHANGE] = exchange
    return Built((ClientRegistry(core.db, core.clock), authenticator, authorization, id_tokens, tokens, state,
                  ConsentService(core.db, core.clock), exchange))
