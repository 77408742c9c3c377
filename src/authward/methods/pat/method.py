"""Personal access tokens: created from an elevated session, exchanged for a session."""

from __future__ import annotations

from authward.methods.base import Built, Method
from authward.methods.pat import router
from authward.methods.pat.service import PatService
from authward.services.core import Core
from authward.services.method_info import PAT


def build(core: Core) -> Built:
    return Built((PatService(core.db, core.sign_in, core.settings, core.clock, core.notices),))


METHOD = Method(PAT, build, {"nhost": (router.router,)})
