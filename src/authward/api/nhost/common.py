"""OpenAPI response declarations shared by the Nhost routes."""

from __future__ import annotations

from typing import Any

from authward.api.nhost.schemas import ErrorResponse

ERRORS: dict[int | str, dict[str, Any]] = {
    "default": {"model": ErrorResponse, "description": "An error occurred while processing the request"}
}
