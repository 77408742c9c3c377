"""Email + password: sign-up, sign-in, reset and change."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.password import reset_router, router
from authward.methods.password.reset import PasswordResetService
from authward.methods.password.service import PasswordService
from authward.services.core import Core
from authward.services.method_info import PASSWORD


def build(core: Core) -> Built:
    passwords = PasswordService(core.db, core.sign_in, core.hasher, core.settings, core.clock,
                                verification=core.email_verification, attempts=core.attempts, breached=core.breached)
    reset = PasswordResetService(core.db, core.hasher, core.mail, core.redirects, core.background, core.settings,
                                 core.clock, notices=core.notices, breached=core.breached)
    return Built((passwords, reset))


METHOD = Method(PASSWORD, build, {"nhost": (router.router, reset_router.router)},
                hot_posts={"nhost": {"/signin/email-password": router.hot_sign_in}})
