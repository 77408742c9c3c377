"""The page shown when /authorize cannot send the browser back to the client (unknown client, or a
redirect URI it did not register): RFC 6749 §4.1.2.1 forbids redirecting anywhere then."""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
}
TITLES = {"en": "This sign-in request cannot be completed", "fr": "Cette demande de connexion ne peut aboutir"}


def _language(accept_language: str | None) -> str:
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in TITLES:
            return tag
    return "en"


def error_page(error: str, description: str, accept_language: str | None, status: int = 400) -> HTMLResponse:
    lang = _language(accept_language)
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(TITLES[lang])}</title>'
        '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}'
        'code{background:#f3f3f3;padding:.1rem .3rem}</style></head><body>'
        f"<h1>{escape(TITLES[lang])}</h1><p>{escape(description)}</p>"
        f"<p><code>{escape(error)}</code></p></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=HEADERS)
