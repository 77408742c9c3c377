"""The admin routes' dependencies: the acting admin and the admin services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from authward.api.admin.auth import require_admin
from authward.api.deps import provide
from authward.services.admin.actor import Actor
from authward.services.admin.users import UserAdmin

AdminActor = Annotated[Actor, Depends(require_admin)]
Users = Annotated[UserAdmin, Depends(provide(UserAdmin))]
