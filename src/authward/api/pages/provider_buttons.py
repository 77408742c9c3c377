"""A button per enabled social provider on the login page (the way back is api/pages/provider_login.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from authward.api.deps import provide
from authward.methods.providers.configured import ProviderDirectory
from authward.services.core import Core
from authward.services.oauth.authorization import with_query

DirectoryDep = Annotated[ProviderDirectory, Depends(provide(ProviderDirectory))]
RETURN_PATH = "/login/provider"


@dataclass(frozen=True)
class ProviderButton:
    label: str
    href: str


def provider_buttons(core: Core, directory: ProviderDirectory, request_id: str | None) -> list[ProviderButton]:
    """Each starts `GET /signin/provider/{name}`, coming back to /login/provider (with the waiting request)."""
    back = with_query(core.settings.server.public_url + RETURN_PATH, {"request_id": request_id} if request_id else {})
    return [ProviderButton(label, with_query(f"/signin/provider/{name}", {"redirectTo": back}))
            for name, label in directory.labels()]
