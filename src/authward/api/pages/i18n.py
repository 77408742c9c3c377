"""The hosted pages' language: the authorization request's `ui_locales` (first supported), else the
browser's Accept-Language (by q-value), else the server's default locale; English when none fits.

Supported: the languages with texts here (English, French) that `users.allowed_locales` allows.
"""

from __future__ import annotations

from authward.api.pages.texts_en import EN
from authward.api.pages.texts_fr import FR
from authward.settings import Settings

TABLES: dict[str, dict[str, str]] = {"en": EN, "fr": FR}
FALLBACK = "en"
MAX_HEADER = 512


class Texts:
    """`texts("key", name=value)`: the page's text in its language (English when a key is missing)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._table = TABLES.get(lang, EN)

    def __call__(self, key: str, **values: object) -> str:
        text = self._table.get(key) or EN[key]
        return text.format(**values) if values else text


def _primary(tag: str) -> str:
    return tag.strip().split("-")[0].split("_")[0].lower()


def _by_preference(accept_language: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language[:MAX_HEADER].split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            ranked.append((-quality, index, _primary(tag)))
    return [tag for _, _, tag in sorted(ranked)]


def available_languages(settings: Settings) -> list[str]:
    allowed = {_primary(locale) for locale in settings.users.allowed_locales}
    return [lang for lang in TABLES if lang in allowed] or [FALLBACK]


def choose_language(settings: Settings, ui_locales: str | None, accept_language: str | None) -> str:
    available = available_languages(settings)
    for tag in (ui_locales or "")[:MAX_HEADER].split():
        if _primary(tag) in available:
            return _primary(tag)
    for tag in _by_preference(accept_language or ""):
        if tag in available:
            return tag
    default = _primary(settings.users.default_locale)
    return default if default in available else available[0]
