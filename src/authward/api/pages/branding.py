"""The brand a hosted page wears (settings.pages): the app's name, its logo, its primary colour.

The colour reaches the pages through the stylesheet only (the CSP allows no inline style); text on
it is white or near-black, whichever contrasts more, and links use it only where it reads on white
(WCAG AA, 4.5:1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from authward.settings import Settings

STYLE_PATH = "/pages/style.css"
TEXT_DARK = "#1f2328"
AA = 4.5


@dataclass(frozen=True)
class Brand:
    app_name: str
    logo_url: str | None
    style_url: str


@dataclass(frozen=True)
class Palette:
    primary: str
    on_primary: str
    link: str


def image_url(url: str | None) -> str | None:
    """An image URL the CSP lets load and no browser reads as anything else: https, data:image, or ours."""
    if not url:
        return None
    if url.startswith(("https://", "data:image/")) or (url.startswith("/") and not url.startswith("//")):
        return url
    return None


def brand_of(settings: Settings) -> Brand:
    pages = settings.pages
    version = hashlib.sha256(pages.primary_color.lower().encode()).hexdigest()[:10]
    return Brand(pages.app_name, image_url(pages.logo_url), f"{STYLE_PATH}?v={version}")


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def palette_of(primary_color: str) -> Palette:
    primary = primary_color.lower()
    on_primary = "#ffffff" if contrast(primary, "#ffffff") >= contrast(primary, TEXT_DARK) else TEXT_DARK
    link = primary if contrast(primary, "#ffffff") >= AA else TEXT_DARK
    return Palette(primary, on_primary, link)
