"""Rendering a hosted page: Jinja2 templates (autoescaped), the brand, the language, the CSRF token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse

from authward.api.pages.branding import Brand, brand_of, image_url
from authward.api.pages.csrf import CsrfToken, csrf_token
from authward.api.pages.i18n import Texts, choose_language
from authward.services.oauth.authorization import PendingRequest
from authward.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"

templates = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["image_url"] = image_url


@dataclass(frozen=True)
class Page:
    """One page being answered: its language, its brand, the browser's CSRF token (None: no form)."""

    texts: Texts
    brand: Brand
    csrf: CsrfToken | None

    @property
    def lang(self) -> str:
        return self.texts.lang

    def render(self, template: str, heading: str, status: int = 200, **context: Any) -> HTMLResponse:
        values: dict[str, Any] = {"error": None, "notice": None, **context}
        body = templates.get_template(template).render(
            lang=self.lang, t=self.texts, brand=self.brand, heading=heading,
            csrf_token=self.csrf.value if self.csrf else "", **values,
        )
        response = HTMLResponse(body, status_code=status)
        if self.csrf is not None:
            self.csrf.attach(response)
        return response

    def message(self, title_key: str, body_key: str, status: int = 200, *, alert: bool = False,
                links: Sequence[tuple[str, str]] = (), **values: object) -> HTMLResponse:
        """A page of one message and a few links (`(href, text key)`)."""
        return self.render("message.html", self.texts(title_key), status, body=self.texts(body_key, **values),
                           alert=alert, links=[(href, self.texts(key)) for href, key in links])


def page_for(request: Request, settings: Settings, pending: PendingRequest | None = None,
             ui_locales: str | None = None) -> Page:
    """The page for this request, in the language of the pending request, the browser or the server."""
    locales = pending.request.ui_locales if pending is not None else ui_locales
    lang = choose_language(settings, locales, request.headers.get("accept-language"))
    return Page(Texts(lang), brand_of(settings), csrf_token(request, settings))


def see_other(url: str) -> RedirectResponse:
    """After a POST: the browser GETs `url` (303)."""
    return RedirectResponse(url, status_code=303)
