"""Anonymous users, their deanonymization, and the deletion of stale ones."""

from __future__ import annotations

from authward.methods.anonymous import router
from authward.methods.anonymous.service import AnonymousService
from authward.methods.base import Built, Job, Method
from authward.services.core import Core
from authward.services.method_info import ANONYMOUS


def build(core: Core) -> Built:
    service = AnonymousService(core.db, core.sign_in, core.hasher, core.settings, core.clock, mail=core.mail,
                               redirects=core.redirects, breached=core.breached)
    return Built((service,), (Job("stale anonymous users", service.delete_stale),))


METHOD = Method(ANONYMOUS, build, {"nhost": (router.router,)})
