"""The captcha gate in front of sign-up and passwordless starts, as a pure-ASGI layer.

A layer rather than a route dependency because the token may come in the body (`captchaToken`, or
balena's `g-recaptcha-response`) of routes whose body models refuse unknown members (the Nhost
contract): the layer takes the token out of the JSON or form body before the route parses it. The
header `x-captcha-token` works on every route. Off (no body read at all) unless a provider is set;
the verifier is security/captcha.py. It sits inside the rate limits, so a flood is refused before
it reaches the provider.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authward.api.faces import Face, face_for_path
from authward.errors import AuthError
from authward.security.captcha import CaptchaVerifier
from authward.security.client_ip import CLIENT_IP

CAPTCHA_PATHS = frozenset({
    # Nhost: sign-up and the passwordless starts (a start may sign up an unknown address or number)
    "/signup/email-password", "/signup/passwordless/email", "/signup/otp/email", "/signup/passwordless/sms",
    "/signup/webauthn", "/signin/passwordless/email", "/signin/otp/email", "/signin/passwordless/sms",
    "/signin/anonymous",
    # Auth0 and Yat
    "/dbconnections/signup", "/passwordless/start", "/auth/magic_link",
})
HEADER = b"x-captcha-token"
BODY_FIELDS = ("captchaToken", "g-recaptcha-response")


class CaptchaLayer:
    def __init__(self, app: ASGIApp, verifier: Callable[[], CaptchaVerifier], faces: Sequence[Face],
                 enabled: bool) -> None:
        self.app = app
        self._verifier = verifier
        self._faces = tuple(faces)
        self._enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._enabled or scope["type"] != "http" or scope["method"] != "POST" \
                or scope["path"] not in CAPTCHA_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        body = await _read_body(receive)
        body, from_body = _take_token(body, headers.get(b"content-type", b""))
        token = headers[HEADER].decode("latin-1") if HEADER in headers else from_body
        try:
            await self._verifier().verify(token, CLIENT_IP.get())
        except AuthError as exc:
            await face_for_path(self._faces, scope["path"]).render_error(exc)(scope, receive, send)
            return
        replaced = [(k, v) for k, v in scope.get("headers", ()) if k != b"content-length"]
        replaced.append((b"content-length", str(len(body)).encode()))
        await self.app({**scope, "headers": replaced}, _replay(body, receive), send)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _take_token(body: bytes, content_type: bytes) -> tuple[bytes, str | None]:
    """The body without the captcha members, and the token found there (JSON object or form body)."""
    if content_type.startswith(b"application/x-www-form-urlencoded"):
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        found = next((v for k, v in pairs if k in BODY_FIELDS), None)
        if found is None:
            return body, None
        return urlencode([(k, v) for k, v in pairs if k not in BODY_FIELDS]).encode(), found
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return body, None
    if not isinstance(data, dict) or not any(name in data for name in BODY_FIELDS):
        return body, None
    values = [data.pop(name) for name in BODY_FIELDS if name in data]
    token = next((v for v in values if isinstance(v, str)), None)
    return orjson.dumps(data), token


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
