"""Which `redirectTo` URLs the server may send a browser to (never an open redirect).

Nhost's rules (`go/controller/validator.go`), made strict where a browser would read a URL
differently from a naive string match:

- allowed: `AUTHWARD_CLIENT_URL` and each entry of `AUTHWARD_ALLOWED_REDIRECT_URLS`;
- an entry allows itself and its sub-paths (`https://app.com/cb` allows `/cb/done`, not `/cbx`);
- `*` matches inside one host label or one path segment (`https://*.vercel.app` allows
  `https://pr-1.vercel.app`, not `https://a.b.vercel.app` nor `https://vercel.app`);
- scheme and host compare case-insensitively and exactly; default ports (80, 443) are normalised,
  any other port must be the same;
- the query and the fragment are ignored when matching (and kept in the redirect);
- refused outright, whatever the list says: userinfo (`https://app.com@evil.com`), backslashes,
  whitespace and control characters, encoded slashes, backslashes or dots in the path (`%2F`, `%5C`,
  `%2E`), dot segments (`/../`), a missing host, and hosts that are not plain ASCII names or IPs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from authward.errors import AuthError, ErrorCode

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_PATTERN_HOST = re.compile(r"^[a-z0-9*](?:[a-z0-9*.-]*[a-z0-9*])?$")
_FORBIDDEN_ESCAPES = re.compile(r"%(?:2f|5c|2e|00)", re.IGNORECASE)
MAX_URL_LENGTH = 2048


class InvalidRedirectUrl(ValueError):
    """The URL cannot be read safely (not merely: not on the list)."""


@dataclass(frozen=True)
class _Parsed:
    scheme: str
    host: str
    port: int | None
    path: str  # without a trailing slash; "" for the root


def _split(url: str) -> SplitResult:
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidRedirectUrl("empty or too long")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise InvalidRedirectUrl("whitespace or control character")
    if "\\" in url:
        raise InvalidRedirectUrl("backslash")
    if not url.isascii():
        raise InvalidRedirectUrl("non-ASCII characters must be percent-encoded")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidRedirectUrl(str(exc)) from exc
    return parts


def _parse(url: str, *, pattern: bool) -> _Parsed:
    parts = _split(url)
    scheme = parts.scheme.lower()
    if not _SCHEME.match(scheme):
        raise InvalidRedirectUrl("missing or bad scheme")
    netloc = parts.netloc
    if not netloc or "@" in netloc:
        raise InvalidRedirectUrl("missing host, or userinfo in the authority")
    host = (parts.hostname or "").lower()
    if _IPV6.match(f"[{host}]") and ":" in host:
        host = f"[{host}]"
    elif not (_PATTERN_HOST if pattern else _HOST).match(host):
        raise InvalidRedirectUrl("bad host")
    port = parts.port
    if port is not None and DEFAULT_PORTS.get(scheme) == port:
        port = None
    path = parts.path
    if _FORBIDDEN_ESCAPES.search(path):
        raise InvalidRedirectUrl("encoded slash, backslash or dot in the path")
    segments = path.split("/")
    if any(seg in (".", "..") for seg in segments):
        raise InvalidRedirectUrl("dot segment in the path")
    if "//" in path:
        raise InvalidRedirectUrl("empty path segment")
    return _Parsed(scheme, host, port, path.rstrip("/"))


def _glob(text: str, star: str) -> re.Pattern[str]:
    return re.compile("^" + star.join(re.escape(piece) for piece in text.split("*")) + "$")


@dataclass(frozen=True)
class _Entry:
    scheme: str
    host: re.Pattern[str]
    port: int | None
    segments: tuple[re.Pattern[str], ...]

    def allows(self, url: _Parsed) -> bool:
        if url.scheme != self.scheme or url.port != self.port or not self.host.match(url.host):
            return False
        segments = url.path.split("/")[1:] if url.path else []
        if len(segments) < len(self.segments):
            return False
        return all(pattern.match(seg) for pattern, seg in zip(self.segments, segments, strict=False))


def _compile(entry: str) -> _Entry:
    parsed = _parse(entry, pattern=True)
    host = _glob(parsed.host, r"[a-z0-9-]+") if not parsed.host.startswith("[") else _glob(parsed.host, "")
    segments = tuple(_glob(seg, r"[^/]*") for seg in (parsed.path.split("/")[1:] if parsed.path else []))
    return _Entry(parsed.scheme, host, parsed.port, segments)


class RedirectPolicy:
    """Compiled once from the settings; `resolve` is what the routes call."""

    def __init__(self, client_url: str, allowed: list[str]) -> None:
        self.client_url = client_url
        entries = [client_url, *allowed]
        try:
            self._entries = [_compile(entry) for entry in entries]
        except InvalidRedirectUrl as exc:
            raise ValueError(f"AUTHWARD_ALLOWED_REDIRECT_URLS / AUTHWARD_CLIENT_URL: bad entry: {exc}") from exc

    def is_allowed(self, url: str) -> bool:
        try:
            parsed = _parse(url, pattern=False)
        except InvalidRedirectUrl:
            return False
        return any(entry.allows(parsed) for entry in self._entries)

    def resolve(self, redirect_to: str | None) -> str:
        """The URL to use: the client URL when none is given; `redirectTo-not-allowed` otherwise."""
        if redirect_to is None or redirect_to == "":
            return self.client_url
        if not self.is_allowed(redirect_to):
            raise AuthError(ErrorCode.REDIRECT_TO_NOT_ALLOWED)
        return redirect_to
