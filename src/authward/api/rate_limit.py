"""The per-IP rate limits, as a pure-ASGI layer in front of everything (the hot GETs included).

Each request is sorted into Nhost's buckets by its path (nhost-auth-notes.md §5) plus authward's own
(refresh, OAuth token, anonymous users); each bucket is a moving window per client IP
(security/ratelimit.py). A refused request is answered 429 in the format of the face owning the path
(`too-many-requests`; OAuth `temporarily_unavailable`), with `Retry-After` and `X-RateLimit-*` headers.
The layer also resolves the client IP once (trusted proxies) and publishes it to the services
(`security.client_ip.CLIENT_IP`), and its user agent for the audit log (`services.audit.REQUEST_USER_AGENT`).
Hot reads (GET /user) pay for no limiter unless the global bucket is on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authward.api.faces import Face, face_for_path
from authward.errors import AuthError, ErrorCode
from authward.security.client_ip import CLIENT_IP, parse_networks, resolve_client_ip
from authward.security.ratelimit import RateLimiter, Verdict
from authward.services.audit import REQUEST_USER_AGENT
from authward.settings import RateLimitSettings, Settings

EMAIL_PATHS = frozenset({
    "/signin/passwordless/email", "/signin/otp/email", "/signup/passwordless/email", "/signup/otp/email",
    "/user/email/change", "/user/password/reset", "/user/email/send-verification-email", "/user/deanonymize",
    "/dbconnections/change_password", "/passwordless/start", "/forgot-password", "/auth/magic_link",
})
EMAIL_PATHS_WHEN_VERIFYING = frozenset({"/signup/email-password", "/dbconnections/signup", "/signup"})
SMS_PATHS = frozenset({
    "/signin/passwordless/sms", "/signup/passwordless/sms", "/user/phone-number/change", "/user/deanonymize/sms",
})
SIGNIN_PATHS = frozenset({
    "/oauth/ro", "/oauth2/login", "/login", "/login/mfa", "/login/passkey", "/passwordless/verify", "/verify",
    "/elevate/totp", "/elevate/webauthn/verify", "/mfa/challenge", "/2fa", "/reset-password", "/user/mfa",
    "/auth/login", "/auth/totp", "/user/phone-number/change/verify", "/token/exchange",
})
PASSWORD_SIGNIN_PATHS = frozenset({"/signin/email-password", "/auth/login"})
SIGNUP_PATHS = frozenset({"/dbconnections/signup", "/signup"})
OAUTH_TOKEN_PATHS = frozenset({"/oauth/token", "/oauth2/token", "/oauth/introspect", "/oauth2/introspect"})
REFRESH_PATHS = frozenset({"/token", "/auth/token/refresh"})
ANONYMOUS_PATHS = frozenset({"/signin/anonymous"})


def buckets_for(method: str, path: str, settings: RateLimitSettings, verifying: bool) -> list[tuple[str, str]]:
    """(bucket name, rate) pairs that count this request, tightest purpose first."""
    if method == "GET":
        return [("signin", settings.signin)] if path == "/verify" else []
    found: list[tuple[str, str]] = []
    if path in EMAIL_PATHS or (verifying and path in EMAIL_PATHS_WHEN_VERIFYING):
        found.append(("email", settings.email))
    if path in SMS_PATHS:
        found.append(("sms", settings.sms))
    if path in ANONYMOUS_PATHS:
        found.append(("anonymous", settings.anonymous))
        found.append(("anonymous-daily", settings.anonymous_daily))  # the daily cap beyond the hourly bucket
    elif path in PASSWORD_SIGNIN_PATHS:
        found.append(("password", settings.password_signin))
    elif path in SIGNIN_PATHS or (path.startswith("/signin/") and path not in EMAIL_PATHS | SMS_PATHS):
        found.append(("signin", settings.signin))
    if path in SIGNUP_PATHS or path.startswith("/signup/"):
        found.append(("signup", settings.signup))
    if path in OAUTH_TOKEN_PATHS:
        found.append(("oauth-token", settings.oauth_token))
    if path in REFRESH_PATHS:
        found.append(("refresh", settings.refresh))
    return found


class RateLimitLayer:
    """Wraps the app (inside the /v1 prefix strip, outside the hot GETs)."""

    def __init__(self, app: ASGIApp, settings: Settings, limiter: Callable[[], RateLimiter],
                 faces: Sequence[Face]) -> None:
        self.app = app
        self._settings = settings.ratelimit
        self._verifying = settings.users.email_verification_required
        self._limiter = limiter
        self._faces = tuple(faces)
        self._networks = parse_networks(settings.security.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        forwarded: list[str] = []
        agent: str | None = None
        for name, value in scope.get("headers", ()):  # one pass: the proxy chain and the user agent
            if name == b"x-forwarded-for" and self._networks:
                forwarded.append(value.decode("latin-1"))
            elif name == b"user-agent" and agent is None:
                agent = value.decode("latin-1")
        ip = resolve_client_ip(peer[0] if peer else None, forwarded, self._networks)
        token = CLIENT_IP.set(ip)
        agent_token = REQUEST_USER_AGENT.set(agent)  # for the audit log (services/audit.py)
        try:
            if not self._settings.enabled:
                await self.app(scope, receive, send)
                return
            buckets = buckets_for(scope["method"], scope["path"], self._settings, self._verifying)
            if self._settings.global_enabled:
                buckets.append(("global", self._settings.global_limit))
            if not buckets:
                await self.app(scope, receive, send)
                return
            shown: Verdict | None = None
            for name, rate in buckets:
                verdict = await self._limiter().hit(rate, "ip", name, ip)
                if not verdict.allowed:
                    await self._refuse(scope, receive, send, verdict)
                    return
                if shown is None or verdict.remaining < shown.remaining:
                    shown = verdict
            assert shown is not None
            await self.app(scope, receive, _with_headers(send, shown))
        finally:
            REQUEST_USER_AGENT.reset(agent_token)
            CLIENT_IP.reset(token)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, verdict: Verdict) -> None:
        response = face_for_path(self._faces, scope["path"]).render_error(AuthError(ErrorCode.TOO_MANY_REQUESTS))
        response.headers.update(verdict.headers())
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


def _with_headers(send: Send, verdict: Verdict) -> Send:
    extra = [(k.lower().encode(), v.encode()) for k, v in verdict.headers().items()]

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return sending
