"""Magic links: a sign-in link mailed to the address (redeemed by the email_link method's `/verify`)."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.magic_link import router
from authward.methods.magic_link.service import MagicLinkService
from authward.services.core import Core
from authward.services.method_info import MAGIC_LINK


def build(core: Core) -> Built:
    return Built((MagicLinkService(core.passwordless_email, core.settings),))


METHOD = Method(MAGIC_LINK, build, {"nhost": (router.router,)})
