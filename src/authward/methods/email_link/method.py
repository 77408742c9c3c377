"""Mailed links (`GET /verify`): verification, magic link, reset and email-change tickets."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.email_link import router
from authward.methods.email_link.service import TicketRedemption
from authward.services.core import Core
from authward.services.method_info import EMAIL_LINK


def build(core: Core) -> Built:
    return Built((TicketRedemption(core.db, core.tickets, core.sign_in, core.settings, core.clock,
                                   core.exchange_codes, notices=core.notices, attempts=core.attempts),))


METHOD = Method(EMAIL_LINK, build, {"nhost": (router.router,)})
