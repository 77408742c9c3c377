"""Social sign-in: OAuth 2.0 / OIDC providers in the browser, ID tokens from apps, provider links."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.providers import idtoken_router, router, token_router
from authward.methods.providers.accounts import ProviderAccounts
from authward.methods.providers.configured import ProviderDirectory
from authward.methods.providers.id_token_flow import IdTokenSignIn
from authward.methods.providers.id_tokens import IdTokenVerifier, JwksCache
from authward.methods.providers.links import ProviderLinks
from authward.methods.providers.provider_tokens import ProviderTokenVault
from authward.methods.providers.redirect_flow import ProviderRedirectFlow
from authward.methods.providers.state import ProviderStates
from authward.methods.providers.upstream import Upstream
from authward.services.core import Core
from authward.services.method_info import PROVIDER


def build(core: Core) -> Built:
    settings = core.settings
    directory = ProviderDirectory(settings.providers.enabled())
    verifier = IdTokenVerifier(JwksCache())
    upstream = Upstream(verifier)
    accounts = ProviderAccounts(settings, core.clock)
    vault = ProviderTokenVault(core.box)
    flow = ProviderRedirectFlow(core.db, directory, upstream, ProviderStates(core.tickets), accounts, vault,
                                core.sign_in, core.exchange_codes, core.codec, core.elevation, core.redirects,
                                settings, core.clock)
    return Built((directory, flow, IdTokenSignIn(core.db, directory, verifier, accounts, core.sign_in),
                  ProviderLinks(core.db, directory, upstream, vault, settings, core.clock)))


# Mounted even with no provider enabled: an unknown or disabled provider answers `disabled-endpoint`.
METHOD = Method(PROVIDER, build, {"nhost": (router.router, token_router.router, idtoken_router.router)})
