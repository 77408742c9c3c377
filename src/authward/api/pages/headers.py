"""The headers every hosted page carries: no caching, no framing, no sniffing, no referrer, a strict CSP.

The CSP allows no script at all, styles only from our own stylesheet, images from us, https (a client's
or the brand's logo) and data: URLs. It has no `form-action`: browsers apply it to the redirect that
follows a POST (to the client's redirect URI), which would break the flow.

With passkeys on (AUTHWARD_WEBAUTHN_ENABLED), the login and account pages are the exception: they load
our one script (/pages/webauthn.js: `script-src 'self'`, no inline script) which calls our routes
(`connect-src 'self'`). With a captcha provider and site key, the sign-up page allows the provider's widget
(its script and frame sources: api/pages/captcha_widget.py). Every other page stays script-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.responses import Response

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
                           "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS: dict[str, str] = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": CONTENT_SECURITY_POLICY,
}


PASSKEY_PAGE_POLICY = CONTENT_SECURITY_POLICY.replace("default-src 'none'; ",
                                                      "default-src 'none'; script-src 'self'; connect-src 'self'; ")


def allow_own_script(response: Response) -> Response:
    """The CSP of a page that runs /pages/webauthn.js (the login and account pages, passkeys on)."""
    response.headers["content-security-policy"] = PASSKEY_PAGE_POLICY
    return response


def with_sources(policy: str, sources: Mapping[str, Sequence[str]]) -> str:
    """`policy` with more sources for some directives; a directive it lacks follows `default-src`."""
    named: dict[str, str] = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        named[name] = value
    order = list(named)
    order[1:1] = [name for name in sources if name not in named]
    for name, extra in sources.items():
        named[name] = " ".join([named[name], *extra] if name in named else extra)
    return "; ".join(f"{name} {named[name]}" for name in order)


def secure(response: Response) -> Response:
    """Add the headers a route did not set itself (the stylesheet sets its own cache-control)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
