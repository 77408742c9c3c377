"""WebAuthn passkeys and security keys (Nhost's routes; off until AUTHWARD_WEBAUTHN_ENABLED=true)."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.webauthn import router
from authward.methods.webauthn.service import WebAuthnService
from authward.services.core import Core
from authward.services.method_info import WEBAUTHN


def build(core: Core) -> Built:
    return Built((WebAuthnService(core.db, core.sign_in, core.tickets, core.settings, core.clock,
                                  verification=core.email_verification, notices=core.notices),))


# Mounted even when off: the routes answer `disabled-endpoint`, as Nhost's do.
METHOD = Method(WEBAUTHN, build, {"nhost": (router.router,)})
