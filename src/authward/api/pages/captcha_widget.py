"""The captcha widget on the hosted sign-up page: which element, which script, which CSP, which form field.

The API gates sign-up with a token in a header or the JSON body (api/captcha.py); a page has neither, so
it shows the provider's widget instead. The widget's script finds the element (`g-recaptcha`, `h-captcha`,
`cf-turnstile`, with `data-sitekey`) and adds the token to the form as a hidden `<provider>-response`
field; the page's route passes it to the same verifier (security/captcha.py) before acting.

The page's CSP stays strict but for the provider's own sources (from each provider's CSP guide); a
configured script URL (a self-hosted or test widget) is allowed by its origin alone, for scripts and frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from starlette.responses import Response

from authward.api.pages.headers import CONTENT_SECURITY_POLICY, with_sources
from authward.settings import CaptchaProvider, CaptchaSettings

_HCAPTCHA_SOURCES = ("https://hcaptcha.com", "https://*.hcaptcha.com")


@dataclass(frozen=True)
class _Provider:
    css_class: str
    response_field: str
    script_url: str
    sources: Mapping[str, tuple[str, ...]]  # CSP directive -> what its script needs


_PROVIDERS = {
    CaptchaProvider.RECAPTCHA: _Provider(
        "g-recaptcha", "g-recaptcha-response", "https://www.google.com/recaptcha/api.js",
        MappingProxyType({"script-src": ("https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"),
                          "frame-src": ("https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/")}),
    ),
    CaptchaProvider.HCAPTCHA: _Provider(
        "h-captcha", "h-captcha-response", "https://js.hcaptcha.com/1/api.js",
        MappingProxyType({"script-src": _HCAPTCHA_SOURCES, "frame-src": _HCAPTCHA_SOURCES,
                          "style-src": _HCAPTCHA_SOURCES, "connect-src": _HCAPTCHA_SOURCES}),
    ),
    CaptchaProvider.TURNSTILE: _Provider(
        "cf-turnstile", "cf-turnstile-response", "https://challenges.cloudflare.com/turnstile/v0/api.js",
        MappingProxyType({"script-src": ("https://challenges.cloudflare.com",),
                          "frame-src": ("https://challenges.cloudflare.com",)}),
    ),
}


@dataclass(frozen=True)
class CaptchaWidget:
    """What the sign-up template renders (`css_class`, `site_key`, `script_url`) and its page's CSP."""

    css_class: str
    site_key: str
    script_url: str
    policy: str

    def allow(self, response: Response) -> Response:
        response.headers["content-security-policy"] = self.policy
        return response


def response_field(settings: CaptchaSettings) -> str | None:
    """The form field the provider's widget puts its token in (None: no captcha asked)."""
    provider = _PROVIDERS.get(settings.provider)
    return provider.response_field if provider else None


def captcha_widget(settings: CaptchaSettings) -> CaptchaWidget | None:
    """The widget to show, or None (no provider, or no site key: the form then cannot pass the captcha)."""
    provider = _PROVIDERS.get(settings.provider)
    if provider is None or settings.site_key is None:
        return None
    if settings.widget_script_url is None:
        script_url, sources = provider.script_url, provider.sources
    else:
        parts = urlsplit(settings.widget_script_url)
        origin = (f"{parts.scheme}://{parts.netloc}",)
        script_url, sources = settings.widget_script_url, {"script-src": origin, "frame-src": origin}
    return CaptchaWidget(provider.css_class, settings.site_key, script_url,
                         with_sources(CONTENT_SECURITY_POLICY, sources))
