"""POST /token/exchange: a PKCE code from a redirect (`?code=`) and its verifier -> `{session}`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from authward.api.deps import get_core, user_agent
from authward.api.nhost.common import ERRORS
from authward.api.nhost.schemas import SessionPayload, StrictModel
from authward.api.nhost.wire import json_response, session_payload
from authward.services.core import Core

router = APIRouter(tags=["session"])


class TokenExchangeRequest(StrictModel):
    code: str = Field(max_length=128)  # `pkceCode:` + 43 characters; longer is never one of ours
    # The alphabet (RFC 7636 §4.1) is checked in code: a wrong verifier answers as a mismatch would.
    codeVerifier: str = Field(min_length=43, max_length=128)


@router.post("/token/exchange", operation_id="tokenExchange", response_model=SessionPayload, responses=ERRORS)
async def token_exchange(body: TokenExchangeRequest, request: Request, core: Core = Depends(get_core)) -> Response:
    issued = await core.exchange_codes.exchange(body.code, body.codeVerifier, user_agent(request))
    return json_response(session_payload(issued))
