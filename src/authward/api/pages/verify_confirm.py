"""The one-button page `GET /verify` shows when AUTHWARD_VERIFY_CONFIRM_PAGE is on.

Mail scanners (Outlook Safe Links and the like) fetch every link in a message before the user
does; with the page, their GET uses nothing, and only the button's POST redeems the ticket.
Scanners do not submit forms. The page is framed by nobody (clickjacking) and runs no script.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

TEXTS = {
    "en": {"title": "One more step", "body": "Press the button to continue.", "button": "Continue"},
    "fr": {"title": "Encore une étape", "body": "Appuyez sur le bouton pour continuer.", "button": "Continuer"},
}
HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # No form-action: browsers apply it to the redirect that follows the POST (to the app).
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                               "base-uri 'none'",
}

_env = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(enabled_extensions=("html",)),
)


def preferred_language(accept_language: str | None) -> str:
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in TEXTS:
            return tag
    return "en"


def confirm_page(action: str, ticket: str, redirect_to: str, ticket_type: str | None,
                 accept_language: str | None, code_challenge: str | None = None) -> HTMLResponse:
    lang = preferred_language(accept_language)
    body = _env.get_template("verify_confirm.html").render(
        lang=lang, text=TEXTS[lang], action=action, ticket=ticket, redirect_to=redirect_to, type=ticket_type,
        code_challenge=code_challenge,
    )
    return HTMLResponse(body, headers=HEADERS)
