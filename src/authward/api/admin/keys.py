"""`/admin/keys`: the signing keys in the JWKS, and rotating to a new one (services/keys.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.admin.deps import AdminActor
from authward.api.admin.schemas import RotatedKey, SigningKeys
from authward.api.admin.wire import signing_key_json
from authward.api.deps import get_core
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.services import audit
from authward.services.core import Core
from authward.storage.repos import keys as keys_repo

router = APIRouter(prefix="/admin/keys", tags=["admin"], responses=ERRORS)
CoreDep = Annotated[Core, Depends(get_core)]


@router.get("", operation_id="adminListSigningKeys", response_model=SigningKeys)
async def list_keys(admin: AdminActor, core: CoreDep) -> Response:
    """The keys still in the JWKS: the signing one, and retired ones until their tokens expire."""
    async with core.db.read() as session:
        rows = await keys_repo.live_keys(session, core.clock())
    signing = core.keys.signing_key.kid
    return json_response({"keys": [signing_key_json(row, signing) for row in rows]})


@router.post("/rotate", operation_id="adminRotateSigningKey", response_model=RotatedKey)
async def rotate_key(admin: AdminActor, core: CoreDep) -> Response:
    """Sign with a new key from now on; the old one stays in the JWKS until its tokens have expired."""
    kid = await core.keys.rotate()
    async with core.db.write() as session:
        audit.record(session, "admin.signing_key_rotated", core.clock(), None, actor=admin.label, kid=kid)
    return json_response({"kid": kid})
