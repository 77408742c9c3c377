"""GET /pages/webauthn.js: the pages' one script, for passkeys (loaded by the login and account pages
only while WebAuthn is on; their CSP allows `script-src 'self'`, every other page allows no script).

Its URL carries a hash of its text (`?v=`), so it may be cached: a new version is a new URL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import Response

from authward.api.pages.page_route import PageRoute

SCRIPT_PATH = "/pages/webauthn.js"
SCRIPT = (Path(__file__).parent / "templates" / "webauthn.js").read_bytes()
PASSKEY_SCRIPT_URL = f"{SCRIPT_PATH}?v={hashlib.sha256(SCRIPT).hexdigest()[:10]}"

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get(SCRIPT_PATH)
async def passkey_script() -> Response:
    return Response(SCRIPT, media_type="text/javascript", headers={"cache-control": "public, max-age=86400"})
