"""GET /pages/style.css: the pages' one stylesheet, in the brand's colour (settings.pages.primary_color).

Its URL carries a hash of the colour (`?v=`), so it may be cached: a new colour is a new URL.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from authward.api.pages.branding import STYLE_PATH, palette_of
from authward.api.pages.deps import CoreDep
from authward.api.pages.page_route import PageRoute
from authward.api.pages.rendering import templates

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get(STYLE_PATH)
async def stylesheet(core: CoreDep) -> Response:
    body = templates.get_template("style.css").render(palette=palette_of(core.settings.pages.primary_color))
    return Response(body, media_type="text/css", headers={"cache-control": "public, max-age=86400"})
