"""TOTP as a second factor, with its recovery codes; step-up elevation."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.totp import router
from authward.methods.totp.service import TotpService
from authward.methods.totp.verifier import SecondFactorVerifier
from authward.services.core import Core
from authward.services.method_info import TOTP


def build(core: Core) -> Built:
    verifier = SecondFactorVerifier(core.box, core.recovery_codes)
    return Built((TotpService(core.db, core.sign_in, core.tickets, core.hasher, verifier, core.recovery_codes,
                              core.elevation, core.settings, core.clock, core.notices),))


METHOD = Method(TOTP, build, {"nhost": (router.router,)})
