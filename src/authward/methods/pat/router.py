"""POST /pat and POST /signin/pat (the spec); GET /pat and DELETE /pat/{id} (authward's own)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, required_claims, user_agent
from authward.api.elevation import require_elevated
from authward.api.nhost.common import ERRORS
from authward.api.nhost.schemas import OKResponse, SessionPayload
from authward.api.nhost.wire import json_response, ok_response, sign_in_json
from authward.methods.pat.schemas import (
    CreatePATRequest,
    CreatePATResponse,
    PersonalAccessTokenList,
    SignInPATRequest,
)
from authward.methods.pat.service import PatService
from authward.storage.models import PersonalAccessToken

router = APIRouter(tags=["security"])
PatServiceDep = Annotated[PatService, Depends(provide(PatService))]

@router.post("/pat", operation_id="createPAT", response_model=CreatePATResponse, responses=ERRORS)
async def create_pat(
    body: CreatePATRequest,
    svc: PatServiceDep,
    claims: dict[str, Any] = Depends(require_elevated),  # spec: BearerAuthElevated
) -> Response:
    amr = claims.get("amr")
    created = await svc.create(claims["sub"], body.expiresAt, body.metadata or {},
                               [str(item) for item in amr] if isinstance(amr, list) else [])
    return json_response({"id": str(created.id), "personalAccessToken": created.token})


@router.get("/pat", operation_id="listPATs", response_model=PersonalAccessTokenList, responses=ERRORS)
async def list_pats(
    svc: PatServiceDep,
    claims: dict[str, Any] = Depends(required_claims),
) -> Response:
    tokens = await svc.list_tokens(claims["sub"])
    return json_response({"personalAccessTokens": [_pat_json(token) for token in tokens]})


@router.delete("/pat/{pat_id}", operation_id="revokePAT", response_model=OKResponse, responses=ERRORS)
async def revoke_pat(
    pat_id: str,
    svc: PatServiceDep,
    claims: dict[str, Any] = Depends(required_claims),
) -> Response:
    await svc.revoke(claims["sub"], pat_id)
    return ok_response()


@router.post(
    "/signin/pat", operation_id="signInPAT", response_model=SessionPayload, responses=ERRORS, tags=["authentication"]
)
async def sign_in_pat(body: SignInPATRequest, request: Request, svc: PatServiceDep) -> Response:
    issued = await svc.sign_in(body.personalAccessToken, user_agent(request))
    return json_response(sign_in_json(issued))


def _pat_json(token: PersonalAccessToken) -> dict[str, Any]:
    return {
        "id": str(token.id),
        "createdAt": token.created_at.isoformat(),
        "expiresAt": token.expires_at.isoformat(),
        "lastUsedAt": token.last_used_at.isoformat() if token.last_used_at else None,
        "metadata": token.token_metadata or {},
    }
