"""System routes: JWKS, health, version."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward import __version__
from authward.api.deps import get_core
from authward.api.nhost.common import ERRORS
from authward.api.nhost.schemas import JWKSet, OKResponse, VersionResponse
from authward.api.nhost.wire import json_response, ok_response
from authward.services import readiness
from authward.services.core import Core

router = APIRouter(tags=["system"])


@router.get("/.well-known/jwks.json", operation_id="getJWKs", response_model=JWKSet, responses=ERRORS)
async def get_jwks(core: Core = Depends(get_core)) -> Response:
    """Normally answered by api/hot.py before routing; this is the same answer, and the docs."""
    return jwks_response(core)


def jwks_response(core: Core) -> Response:
    return Response(
        core.keys.jwks_body, media_type="application/json", headers={"cache-control": "public, max-age=60"}
    )


@router.get("/healthz", operation_id="healthCheckGet", response_model=OKResponse, responses=ERRORS)
async def health_check_get() -> Response:
    return ok_response()


# response_class=Response: the 200 is documented without a body, as the spec (a HEAD answer has none).
@router.head("/healthz", operation_id="healthCheckHead", response_class=Response, responses=ERRORS)
async def health_check_head() -> Response:
    return Response(status_code=200)


@router.get("/readyz", operation_id="readinessCheck", responses=ERRORS)
async def readiness_check(core: Core = Depends(get_core)) -> Response:
    """Readiness (docs/production.md): 200 when the database, Redis and the schema are as this code needs."""
    state = await readiness.check(core)
    body = {"status": "ok" if state.ready else "unavailable", "checks": state.checks}
    return json_response(body, 200 if state.ready else 503)


@router.get("/version", operation_id="getVersion", response_model=VersionResponse, responses=ERRORS)
async def get_version() -> Response:
    return json_response({"version": __version__})
