"""Email templates: Jinja2, a subject, a plain-text and an HTML body per message and locale.

Layout (the same for the built-in set and for `AUTHWARD_EMAIL_TEMPLATES_DIR`):
`<locale>/<template>/subject.txt`, `body.txt`, `body.html`, plus shared `_layout.html` and
`_button.html` at the root. A file in the custom directory replaces the built-in one of the same
path, so overriding one file (say `fr/password-reset/body.html`) is enough. A template missing in
the user's locale falls back to the default locale, then to English.

HTML is autoescaped, templates run sandboxed, and every template is rendered once at start with
sample values, so a broken custom template stops the server instead of failing a user's request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

BUILTIN_DIR = Path(__file__).parent / "templates"
FALLBACK_LOCALE = "en"


class Template(StrEnum):
    """Nhost's template names."""

    EMAIL_VERIFY = "email-verify"
    EMAIL_CONFIRM_CHANGE = "email-confirm-change"
    PASSWORD_RESET = "password-reset"  # noqa: S105 - a template name
    SIGNIN_PASSWORDLESS = "signin-passwordless"
    SIGNIN_OTP = "signin-otp"
    INVITE = "invite"  # not Nhost's: an admin's invitation (docs/admin.md)
    ACCOUNT_DELETED = "account-deleted"  # not Nhost's: the confirmation of DELETE /user (docs/admin.md)
    SECURITY_NOTICE = "security-notice"  # after a security-relevant change; `event` says which (authward's)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


_UNITS = {
    "en": {"day": ("day", "days"), "hour": ("hour", "hours"), "minute": ("minute", "minutes")},
    "fr": {"day": ("jour", "jours"), "hour": ("heure", "heures"), "minute": ("minute", "minutes")},
}


def duration_phrase(seconds: int, locale: str) -> str:
    """`30 days`, `1 hour`, `10 minutes` (in the locale when known, else English)."""
    units = _UNITS.get(locale, _UNITS[FALLBACK_LOCALE])
    for unit, size in (("day", 86_400), ("hour", 3600)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {units[unit][count != 1]}"
    count = max(1, round(seconds / 60))
    return f"{count} {units['minute'][count != 1]}"


class EmailTemplates:
    def __init__(self, custom_dir: Path | None = None, default_locale: str = FALLBACK_LOCALE) -> None:
        loaders = [FileSystemLoader(str(custom_dir))] if custom_dir is not None else []
        loaders.append(FileSystemLoader(str(BUILTIN_DIR)))
        self._env = SandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._default_locale = default_locale

    def _candidates(self, locale: str | None) -> list[str]:
        return list(dict.fromkeys(loc for loc in (locale, self._default_locale, FALLBACK_LOCALE) if loc))

    def _render_file(
        self, template: Template, locale: str | None, filename: str, context: dict[str, Any]
    ) -> str | None:
        for candidate in self._candidates(locale):
            try:
                tpl = self._env.get_template(f"{candidate}/{template.value}/{filename}")
            except TemplateNotFound:
                continue
            return tpl.render(**{**context, "locale": candidate})
        return None

    def render(self, template: Template, locale: str | None, context: dict[str, Any]) -> Rendered:
        subject = self._render_file(template, locale, "subject.txt", context)
        text = self._render_file(template, locale, "body.txt", context)
        if subject is None or text is None:
            raise LookupError(f"email template {template.value}: subject.txt and body.txt are required")
        html = self._render_file(template, locale, "body.html", context)
        return Rendered(" ".join(subject.split()), text.strip() + "\n", html)

    def check(self, locales: list[str]) -> None:
        """Render every template in every locale with sample values; raise on the first broken one."""
        sample = {
            "link": "https://auth.example.com/verify?ticket=x", "code": "123456", "displayName": "Ada",
            "email": "ada@example.com", "newEmail": "ada@example.org", "ticket": "verifyEmail:x",
            "redirectTo": "https://app.example.com", "serverUrl": "https://auth.example.com",
            "clientUrl": "https://app.example.com", "expiresIn": "1 hour", "expiresInMinutes": 60,
            "event": "password-changed",
        }
        for locale in locales:
            for template in Template:
                try:
                    self.render(template, locale, sample)
                except Exception as exc:
                    raise ValueError(f"email template {locale}/{template.value} is broken: {exc}") from exc
