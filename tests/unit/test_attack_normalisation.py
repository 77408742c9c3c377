"""Property tests (hypothesis) of the three normalisations an attacker can play with: email addresses, phone
numbers and redirect URLs. One spelling per identity (so limits, uniqueness and lookups cannot be dodged by
respelling), idempotence, errors only as `AuthError`, and never an accepted redirect to a host off the list -
checked with a second URL parser (httpx's) as well as the one the policy uses."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import phonenumbers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from authward.errors import AuthError
from authward.methods.sms_otp.phone import normalise_phone
from authward.security.redirects import RedirectPolicy
from authward.services.users import normalise_email

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- email
LOCAL = st.text(alphabet=st.sampled_from("abcXYZ019.+-_'"), min_size=1, max_size=20)
DOMAIN = st.sampled_from(["example.com", "EXAMPLE.com", "Example.Org", "sub.example.co.uk", "exämple.de"])


@FAST
@given(LOCAL, DOMAIN, st.sampled_from(["", " ", "\t"]))
def test_an_email_has_one_spelling(local: str, domain: str, pad: str) -> None:
    raw = f"{pad}{local}@{domain}{pad}"
    try:
        once = normalise_email(raw)
    except AuthError:
        return
    assert once == once.lower() == once.strip()
    assert normalise_email(once) == once  # idempotent
    assert normalise_email(raw.upper()) == once  # case never makes a second account


@FAST
@given(st.text(max_size=400))
@example("a@b")
@example("\x00@example.com")
@example("ada@example.com\nBcc: victim@example.com")
def test_any_text_is_an_address_or_an_auth_error(raw: str) -> None:
    try:
        email = normalise_email(raw)
    except AuthError:
        return
    assert "\n" not in email and "\r" not in email and "\x00" not in email
    assert len(email) <= 320


# -- phone
@FAST
@given(st.sampled_from(["+1 415 555 2671", "+44 7911 123456", "+33 6 12 34 56 78", "+49 1512 3456789"]),
       st.sampled_from(["", " ", "-", "(", ")", "."]), st.integers(min_value=1, max_value=12))
def test_a_number_has_one_spelling(number: str, noise: str, at: int) -> None:
    digits = number.replace(" ", "")
    respelled = digits[:at] + noise + digits[at:]
    try:
        canonical = normalise_phone(number)
        other = normalise_phone(respelled)
    except AuthError:
        return
    assert canonical == normalise_phone(canonical)  # idempotent
    assert other == canonical or normalise_phone(other) == other
    assert canonical.startswith("+") and canonical[1:].isdigit()


@FAST
@given(st.text(max_size=40), st.sampled_from([None, "US", "GB", "FR"]))
def test_any_text_is_a_number_or_an_auth_error(raw: str, region: str | None) -> None:
    try:
        number = normalise_phone(raw, region)
    except AuthError:
        return
    assert number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16
    assert phonenumbers.is_valid_number(phonenumbers.parse(number))


# -- redirects
POLICY = RedirectPolicy("https://app.example.com", ["https://*.vercel.app", "http://localhost:3000/callback",
                                                    "myapp://auth"])
ALLOWED_HOSTS = {"app.example.com", "localhost"}
TRICKS = ["", "@", "@evil.com", "\\", "/", "//", "%2F", "%2f", "%5C", "%2E%2E", "..", ".", "#", "?", ":", ":443",
          ":3000", "%40", "evil.com", ".evil.com", "\t", " ", "%00", "\u3002", "xn--", "[::1]", "app.example.com",
          "vercel.app", "a.vercel.app", "%09", "https:", "//evil.com", "callback", "callbackx", "auth"]
SCHEMES = ["https://", "http://", "HTTPS://", "myapp://", "javascript:", "//", "https:/", "https:\\\\", ""]
HOSTS = ["app.example.com", "APP.example.com", "pr-1.vercel.app", "a.b.vercel.app", "localhost:3000",
         "evil.com", "app.example.com.evil.com", "app.example.com@evil.com", "evil.com#app.example.com",
         "127.0.0.1", "[::1]", ""]


def allowed_host(host: str | None) -> bool:
    if host is None:
        return False
    host = host.lower()
    if host in ALLOWED_HOSTS:
        return True
    label, _, rest = host.partition(".")
    return rest == "vercel.app" and bool(label) and "." not in label


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(SCHEMES), st.sampled_from(HOSTS), st.lists(st.sampled_from(TRICKS), max_size=6))
def test_an_accepted_redirect_never_leaves_the_list(scheme: str, host: str, tricks: list[str]) -> None:
    url = scheme + host + "".join(tricks)
    if not POLICY.is_allowed(url):
        return
    parts = urlsplit(url)
    if parts.scheme.lower() == "myapp":
        return  # a listed custom scheme: no host to leave
    assert "@" not in parts.netloc and "\\" not in url
    assert allowed_host(parts.hostname), url
    assert allowed_host(httpx.URL(url).host), url  # a second parser reads the same host


@FAST
@given(st.text(max_size=200))
def test_any_text_is_resolved_or_refused_with_an_auth_error(raw: str) -> None:
    try:
        resolved = POLICY.resolve(raw)
    except AuthError:
        return
    assert resolved == raw or (raw == "" and resolved == "https://app.example.com")
