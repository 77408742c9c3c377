"""The provider's own tokens: GET /signin/provider/{provider}/callback/tokens (once, after a sign-in)
and POST /token/provider/{provider} (refresh); and, beyond the spec, a user's provider links:
GET /user/providers, DELETE /user/providers/{link_id} (docs/social.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.deps import provide, required_claims
from authward.api.nhost.common import ERRORS
from authward.api.nhost.schemas import OKResponse
from authward.api.nhost.wire import json_response, ok_response
from authward.methods.providers.links import ProviderLinks
from authward.methods.providers.schemas import ProviderLinkList, ProviderSession, RefreshProviderTokenRequest

router = APIRouter(tags=["authentication"])
LinksDep = Annotated[ProviderLinks, Depends(provide(ProviderLinks))]


@router.get("/signin/provider/{provider}/callback/tokens", operation_id="getProviderTokens",
            response_model=ProviderSession, responses=ERRORS)
async def get_provider_tokens(provider: str, svc: LinksDep,
                              claims: dict[str, Any] = Depends(required_claims)) -> Response:
    taken = await svc.take_tokens(claims["sub"], provider)
    return json_response(taken.to_json())


@router.post("/token/provider/{provider}", operation_id="refreshProviderToken", response_model=ProviderSession,
             responses=ERRORS)
async def refresh_provider_token(provider: str, body: RefreshProviderTokenRequest, svc: LinksDep,
                                 claims: dict[str, Any] = Depends(required_claims)) -> Response:
    refreshed = await svc.refresh(claims["sub"], provider, body.refreshToken)
    return json_response(refreshed.to_json())


@router.get("/user/providers", operation_id="listUserProviders", response_model=ProviderLinkList, responses=ERRORS,
            tags=["user"])
async def list_user_providers(svc: LinksDep, claims: dict[str, Any] = Depends(required_claims)) -> Response:
    links = await svc.list_links(claims["sub"])
    return json_response({"providers": [
        {"id": str(link.id), "provider": link.provider, "providerUserId": link.provider_user_id,
         "createdAt": link.created_at.isoformat()} for link in links]})


@router.delete("/user/providers/{link_id}", operation_id="unlinkUserProvider", response_model=OKResponse,
               responses=ERRORS, tags=["user"])
async def unlink_user_provider(link_id: str, svc: LinksDep,
                               claims: dict[str, Any] = Depends(required_claims)) -> Response:
    await svc.unlink(claims["sub"], link_id)
    return ok_response()
