"""The redirect allow-list (security/redirects.py): Nhost's rules, and the tricks they must resist."""

from __future__ import annotations

import pytest

from authward.errors import AuthError
from authward.security.redirects import RedirectPolicy

POLICY = RedirectPolicy(
    "https://app.example.com",
    ["https://*.vercel.app", "http://localhost:3000/callback", "myapp://auth", "https://api.example.com:8443/cb/*/done"],
)


@pytest.mark.parametrize("url", [
    "https://app.example.com",
    "https://app.example.com/",
    "https://app.example.com/deep/path?x=1#frag",  # sub-paths; query and fragment ignored
    "HTTPS://APP.EXAMPLE.COM/Path",  # scheme and host case-insensitive
    "https://app.example.com:443/x",  # default port normalised
    "https://my-app-git-main.vercel.app/",  # wildcard label
    "http://localhost:3000/callback",
    "http://localhost:3000/callback/more?code=1",
    "myapp://auth/done",  # custom scheme of a mobile app, when listed
    "https://api.example.com:8443/cb/anything/done",  # wildcard segment
    "https://app.example.com?@evil.com",  # '@' in the query is not userinfo
    "https://app.example.com/#@evil.com",
])
def test_allowed(url: str) -> None:
    assert POLICY.is_allowed(url), url


@pytest.mark.parametrize("url", [
    "https://app.example.com.evil.com",  # suffix trick
    "https://evil.com/app.example.com",
    "https://evilapp.example.com",
    "https://app.example.com@evil.com",  # userinfo
    "https://app.example.com:443@evil.com",
    "https://user:pw@app.example.com/",  # any userinfo is refused
    "http://app.example.com",  # scheme change (downgrade)
    "wss://app.example.com",
    "javascript:alert(1)//app.example.com",
    "data:text/html,<script>alert(1)</script>",
    "//app.example.com",  # scheme-relative
    "https:app.example.com",
    "https:/app.example.com",
    "https:///app.example.com",
    "https://app.example.com%2F@evil.com",  # encoded slash in the authority
    "https://app.example.com%2f.evil.com",
    "https://app.example.com/%2F%2Fevil.com",  # encoded slashes in the path
    "https://app.example.com/..%2F..%2Fadmin",
    "https://app.example.com/%2e%2e/admin",
    "https://app.example.com/a/../../admin",  # dot segments
    "https://app.example.com//evil.com",  # protocol-relative path
    "https://app.example.com\\@evil.com",  # backslash
    "https://app.example.com\\evil.com",
    "https://app.example.com\t.evil.com",  # whitespace and control characters
    "https://app.example.com/\nLocation: evil",
    " https://app.example.com",
    "https://app.example.com.",  # trailing dot
    "https://app.example.com:8443",  # another port
    "https://app.example.com:99999",
    "https://xn--pple-43d.com",  # not listed
    "https://\u0430pp.example.com",  # a Cyrillic a (must be percent-encoded / punycode)
    "https://vercel.app",  # the wildcard needs a label
    "https://a.b.vercel.app",  # ... exactly one
    "https://evil.com/.vercel.app",
    "https://evil.vercel.app.evil.com",
    "http://localhost:3000/callbackevil",  # sub-paths stop at a segment boundary
    "http://localhost:3000/",
    "http://localhost:3001/callback",
    "myapp://auth.evil.com",
    "otherapp://auth",
    "https://api.example.com:8443/cb/x/y/done",  # '*' stays inside one segment
    "",
    "not a url",
    "https://" + "a" * 3000 + ".com",
])
def test_refused(url: str) -> None:
    assert not POLICY.is_allowed(url), url


def test_resolve() -> None:
    assert POLICY.resolve(None) == "https://app.example.com"
    assert POLICY.resolve("") == "https://app.example.com"
    assert POLICY.resolve("https://app.example.com/x?y=1") == "https://app.example.com/x?y=1"  # kept as given
    with pytest.raises(AuthError) as info:
        POLICY.resolve("https://evil.com")
    assert info.value.code.value == "redirectTo-not-allowed" and info.value.status == 400


def test_only_the_client_url_when_the_list_is_empty() -> None:
    policy = RedirectPolicy("http://localhost:3000", [])
    assert policy.is_allowed("http://localhost:3000/anything")
    assert not policy.is_allowed("http://localhost:4000/")


def test_ipv6_and_ip_hosts() -> None:
    policy = RedirectPolicy("http://[::1]:3000", ["http://127.0.0.1:8080"])
    assert policy.is_allowed("http://[::1]:3000/x")
    assert policy.is_allowed("http://127.0.0.1:8080/")
    assert not policy.is_allowed("http://127.0.0.2:8080/")


def test_a_bad_entry_fails_at_start() -> None:
    with pytest.raises(ValueError, match="ALLOWED_REDIRECT_URLS"):
        RedirectPolicy("https://app.example.com", ["https://user@app.example.com"])
