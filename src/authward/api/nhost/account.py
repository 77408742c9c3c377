"""DELETE /user and GET /user/export: the signed-in user deletes their account or downloads their data
(services/self_service.py; not in the Nhost spec: docs/admin.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from starlette.responses import Response

from authward.api.deps import get_core, required_claims
from authward.api.elevation import require_elevated
from authward.api.nhost.common import ERRORS
from authward.api.nhost.schemas import OKResponse, User
from authward.api.nhost.wire import json_response, ok_response, user_json
from authward.services import audit
from authward.services.core import Core
from authward.services.self_service import AccountExport, SelfService

router = APIRouter(tags=["user"])


class AccountExportResponse(BaseModel):
    exportedAt: str
    user: User
    sessions: list[dict[str, Any]]
    providers: list[dict[str, Any]]
    securityKeys: list[dict[str, Any]]
    personalAccessTokens: list[dict[str, Any]]
    auditEvents: list[dict[str, Any]]


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_json(export: AccountExport, now: Any) -> dict[str, Any]:
    """Everything of the user's, with no secret: no hash, token, key material or encrypted value."""
    return {
        "exportedAt": now.isoformat(),
        "user": user_json(export.user),
        "sessions": [{"id": str(r.family_id), "userAgent": r.user_agent, "createdAt": _when(r.auth_time),
                      "lastUsedAt": _when(r.created_at), "expiresAt": _when(r.expires_at), "amr": list(r.amr),
                      "clientId": r.client_id} for r in export.sessions],
        "providers": [{"provider": p.provider, "providerUserId": p.provider_user_id, "createdAt": _when(p.created_at),
                       "updatedAt": _when(p.updated_at)} for p in export.providers],
        "securityKeys": [{"id": str(k.id), "nickname": k.data.get("nickname"), "deviceType": k.data.get("deviceType"),
                          "backedUp": k.data.get("backedUp"), "createdAt": _when(k.created_at),
                          "lastUsedAt": _when(k.last_used_at)} for k in export.security_keys],
        "personalAccessTokens": [{"id": str(t.id), "createdAt": _when(t.created_at), "expiresAt": _when(t.expires_at),
                                  "revokedAt": _when(t.revoked_at), "lastUsedAt": _when(t.last_used_at),
                                  "metadata": t.token_metadata} for t in export.personal_access_tokens],
        "auditEvents": [audit.event_json(e) for e in export.events],
    }


@router.delete("/user", operation_id="deleteUser", response_model=OKResponse, responses=ERRORS)
async def delete_user(claims: dict[str, Any] = Depends(require_elevated), core: Core = Depends(get_core)) -> Response:
    """Delete the signed-in account and everything of it (a recent authentication or an elevated token)."""
    await SelfService(core.db, core.mail, core.clock, core.revocations).delete_account(claims["sub"])
    return ok_response()


@router.get("/user/export", operation_id="exportUserData", response_model=AccountExportResponse, responses=ERRORS)
async def export_user_data(
    claims: dict[str, Any] = Depends(required_claims), core: Core = Depends(get_core)
) -> Response:
    """The signed-in user's data (GDPR art. 15 and 20): profile, sessions, providers, keys, PATs, audit events."""
    export = await SelfService(core.db, core.mail, core.clock).export(claims["sub"])
    return json_response(export_json(export, core.clock()))
