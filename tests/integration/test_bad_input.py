"""Bad input on the Nhost routes: always a 4xx `{"status", "error", "message"}`, never a 500, nothing written.

Malformed JSON, wrong types, missing and unknown fields, oversized bodies (with and without
Content-Length), invalid emails and Unicode edge cases (NUL, lone surrogates, bidi controls, very long
strings), on SQLite and PostgreSQL. Each case snapshots every table before and after the request.
Cases are grouped (one app per group, every case checked, all failures reported together) to keep the
suite fast.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from authward.storage.models import Base
from tests.integration.helpers import PASSWORD, assert_error, session_for, sign_up

SIGN_UP = "/v1/signup/email-password"
SIGN_IN = "/v1/signin/email-password"
REFRESH = "/v1/token"
SIGN_OUT = "/v1/signout"
VERIFY = "/v1/token/verify"
JSON_ROUTES = [SIGN_UP, SIGN_IN, REFRESH, SIGN_OUT, VERIFY]
MAX_BODY = 64 * 1024  # the default max_body_bytes


async def snapshot(client: Any) -> dict[str, list[str]]:
    """Every row of every table, as text: equal snapshots mean nothing was written."""
    rows: dict[str, list[str]] = {}
    async with client.core.db.read() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows[table.name] = sorted(repr(tuple(row)) for row in result)
    return rows


async def settled(client: Any) -> None:
    """The app's own work done: after-answer jobs finished, and the webhook worker's fan-out run.

    Otherwise an earlier request's work lands inside a case's snapshot window: the webhook worker, every
    two seconds, drops the `user.signed_up` message no endpoint wants (seen under CI's load). The other
    maintenance jobs find nothing to do in these tests (running them all per case doubled the file's time).
    """
    await client.core.background.drain(grace=10)
    await client.core.webhooks.run_once()


async def assert_refused(client: Any, method: str, url: str, status: int, code: str, **kwargs: Any) -> httpx.Response:
    """The request gets `status`/`code` in the error shape and leaves the database as it was."""
    await settled(client)
    before = await snapshot(client)
    response = await client.request(method, url, **kwargs)
    assert_error(response, status, code)
    assert response.headers["content-type"].startswith("application/json")
    await client.core.background.drain(grace=10)  # the request's own after-answer work counts as its writes
    after = await snapshot(client)
    changed = {table: (sorted(set(before[table]) - set(rows)), sorted(set(rows) - set(before[table])))
               for table, rows in after.items() if rows != before[table]}
    assert not changed, f"a refused request wrote to the database (table: (gone, new)): {changed}"
    return response


async def assert_all_refused(client: Any, cases: list[tuple[str, str, dict[str, Any]]], status: int = 400,
                             code: str = "invalid-request") -> None:
    """Every (route, label, request kwargs) case is refused; the failures are reported together."""
    failures = []
    for route, label, kwargs in cases:
        try:
            await assert_refused(client, "POST", route, status, code, **kwargs)
        except AssertionError as exc:
            failures.append(f"{route} [{label}]: {str(exc).splitlines()[0][:300]}")
    assert not failures, f"{len(failures)} of {len(cases)} cases not refused with {status} {code}:\n" + "\n".join(
        failures)


def raw(body: bytes) -> dict[str, Any]:
    return {"content": body, "headers": {"content-type": "application/json"}}


def as_json(route: str, body: Any) -> tuple[str, str, dict[str, Any]]:
    return route, json.dumps(body, ensure_ascii=True)[:80], {"json": body}


def as_raw(route: str, body: bytes) -> tuple[str, str, dict[str, Any]]:
    return route, repr(body[:80]), raw(body)


def signup_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email": "ada@example.com", "password": PASSWORD}
    body.update(changes)
    return body


# --- malformed JSON, wrong shapes and types, missing and unknown fields ----------------------------

MALFORMED = [
    b"{",
    b'{"email": }',
    b"not json",
    b"{'email': 'single@quotes.example'}",
    b'{"email": "a@example.com",}',
    b'{"email": "a@example.com"} trailing',
    b'{"refreshToken": NaN}',
    b'"\xff\xfe"',  # not UTF-8
    b"[" * 5000 + b"]" * 5000,  # deeper than the JSON parser goes
]
WRONG_SHAPES = [b"", b"null", b"[]", b'"a string"', b"42", b"true"]


async def test_malformed_and_wrongly_shaped_bodies(client):
    cases = [as_raw(route, body) for route in JSON_ROUTES for body in MALFORMED]
    # /token/verify is left out of the shapes: its body is optional (the Authorization header is used instead).
    cases += [as_raw(route, body) for route in JSON_ROUTES if route != VERIFY for body in WRONG_SHAPES]
    body = json.dumps(signup_body()).encode()
    cases += [(SIGN_UP, "text/plain", {"content": body, "headers": {"content-type": "text/plain"}}),
              (SIGN_UP, "form", {"data": {"email": "ada@example.com", "password": PASSWORD}})]
    await assert_all_refused(client, cases)


WRONG_TYPES = [
    (SIGN_UP, signup_body(email=123)),
    (SIGN_UP, signup_body(email=None)),
    (SIGN_UP, signup_body(email=["ada@example.com"])),
    (SIGN_UP, signup_body(password=123456789012345)),
    (SIGN_UP, signup_body(password={"value": PASSWORD})),
    (SIGN_UP, signup_body(options="admin")),
    (SIGN_UP, signup_body(options=[])),
    (SIGN_UP, signup_body(options={"metadata": "not an object"})),
    (SIGN_UP, signup_body(options={"metadata": [1, 2]})),
    (SIGN_UP, signup_body(options={"allowedRoles": "user"})),
    (SIGN_UP, signup_body(options={"allowedRoles": [1]})),
    (SIGN_UP, signup_body(options={"displayName": 12})),
    (SIGN_UP, signup_body(options={"locale": ["en"]})),
    (SIGN_UP, signup_body(options={"defaultRole": False})),
    (SIGN_UP, signup_body(codeChallenge=43)),
    (SIGN_IN, {"email": True, "password": PASSWORD}),
    (SIGN_IN, {"email": "ada@example.com", "password": None}),
    (REFRESH, {"refreshToken": 123}),
    (REFRESH, {"refreshToken": None}),
    (REFRESH, {"refreshToken": ["token"]}),
    (SIGN_OUT, {"refreshToken": 5}),
    (SIGN_OUT, {"refreshToken": "x", "all": "maybe"}),
    (SIGN_OUT, {"refreshToken": "x", "all": 2}),
    (VERIFY, {"token": 5}),
    (VERIFY, {"token": {"jwt": "x"}}),
]
MISSING = [
    (SIGN_UP, {}),
    (SIGN_UP, {"email": "ada@example.com"}),
    (SIGN_UP, {"password": PASSWORD}),
    (SIGN_IN, {}),
    (SIGN_IN, {"email": "ada@example.com"}),
    (SIGN_IN, {"password": PASSWORD}),
    (REFRESH, {}),
    (SIGN_OUT, {}),  # neither a refresh token nor all=true
    (SIGN_OUT, {"all": False}),
]
UNKNOWN = [
    (SIGN_UP, signup_body(role="admin")),
    (SIGN_UP, signup_body(options={"roles": ["admin"]})),
    (SIGN_UP, signup_body(emailVerified=True)),
    (SIGN_IN, {"email": "ada@example.com", "password": PASSWORD, "mfa": "skip"}),
    (REFRESH, {"refreshToken": "x", "userId": "someone"}),
    (SIGN_OUT, {"refreshToken": "x", "everywhere": True}),
    (VERIFY, {"token": "x", "extra": 1}),
]


async def test_wrong_types_missing_and_unknown_fields(client):
    await assert_all_refused(client, [as_json(route, body) for route, body in WRONG_TYPES + MISSING + UNKNOWN])


# --- oversized bodies ------------------------------------------------------------------------------

def oversized_signup() -> bytes:
    body = json.dumps(signup_body(options={"metadata": {"blob": "x" * (MAX_BODY + 10)}})).encode()
    assert len(body) > MAX_BODY
    return body


async def chunks(body: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


async def test_oversized_bodies(client):
    await assert_all_refused(client, [as_raw(route, oversized_signup()) for route in JSON_ROUTES],
                             413, "payload-too-large")
    # a declared length over the limit is refused before a byte of the body is read
    await assert_refused(client, "POST", SIGN_UP, 413, "payload-too-large", content=b"{}",
                         headers={"content-type": "application/json", "content-length": str(MAX_BODY + 1)})
    # a chunked body (no Content-Length) is counted as it arrives
    for route in JSON_ROUTES:
        before = await snapshot(client)
        response = await client.post(route, content=chunks(oversized_signup()),
                                     headers={"content-type": "application/json"})
        assert "content-length" not in response.request.headers
        assert_error(response, 413, "payload-too-large")
        assert await snapshot(client) == before
    # under the limit, chunked is fine
    body = json.dumps(signup_body(options={"metadata": {"blob": "x" * 15_000}})).encode()  # 4 chunks
    response = await client.post(SIGN_UP, content=chunks(body, 4096), headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text


async def test_body_limit_is_configurable(make_client):
    client = await make_client(max_body_bytes=2048)
    body = json.dumps(signup_body(options={"metadata": {"blob": "x" * 2100}})).encode()
    await assert_refused(client, "POST", SIGN_UP, 413, "payload-too-large", **raw(body))
    response = await client.post(SIGN_UP, content=chunks(body, 512), headers={"content-type": "application/json"})
    assert_error(response, 413, "payload-too-large")
    small = json.dumps(signup_body(options={"metadata": {"blob": "x" * 1000}})).encode()
    assert (await client.post(SIGN_UP, **raw(small))).status_code == 200


# --- invalid emails --------------------------------------------------------------------------------

INVALID_EMAILS = [
    "",
    " ",
    "not-an-email",
    "@example.com",
    "ada@",
    "ada@@example.com",
    "ada@exam ple.com",
    "ada@example..com",
    "ada.@example.com",
    ".ada@example.com",
    "ada@-example.com",
    "ada\n@example.com",
    "ada@example.com\r\nBcc: eve@example.com",
    "<ada@example.com>",
    "Ada <ada@example.com>",
    "ada@[127.0.0.1]",
    "ada@" + "a" * 64 + ".com",  # a label over 63 octets
    "a" * 64 + "@" + ".".join(["b" * 60] * 5) + ".com",  # over 254 characters
    "ada@localhost",
    "a" * 400 + "@example.com",  # over the schema's 320
]


async def test_invalid_emails(client):
    """Refused at sign-up; sign-in does not tell a malformed address from an unknown one (no enumeration)."""
    await assert_all_refused(client, [as_json(SIGN_UP, signup_body(email=email)) for email in INVALID_EMAILS])
    await session_for(client)
    for email in ["not-an-email", "ada@@example.com", "a" * 300 + "@example.com"]:
        response = await client.post(SIGN_IN, json={"email": email, "password": PASSWORD})
        assert_error(response, 401, "invalid-email-password")


# --- Unicode edge cases ----------------------------------------------------------------------------

NUL_CASES = [
    (SIGN_UP, signup_body(email="ada\u0000@example.com")),
    (SIGN_UP, signup_body(password=PASSWORD + "\u0000")),
    (SIGN_UP, signup_body(options={"displayName": "Ada\u0000"})),
    (SIGN_UP, signup_body(options={"locale": "e\u0000"})),
    (SIGN_UP, signup_body(options={"defaultRole": "user\u0000"})),
    (SIGN_UP, signup_body(options={"allowedRoles": ["user\u0000"]})),
    (SIGN_UP, signup_body(options={"metadata": {"note": "a\u0000b"}})),
    (SIGN_UP, signup_body(options={"metadata": {"k\u0000": "v"}})),
    (SIGN_UP, signup_body(options={"metadata": {"list": [{"deep": "\u0000"}]}})),
    (SIGN_UP, signup_body(options={"redirectTo": "https://example.com/\u0000"})),
    (SIGN_IN, {"email": "existing@example.com", "password": PASSWORD + "\u0000"}),
    (REFRESH, {"refreshToken": "abc\u0000"}),
    (SIGN_OUT, {"refreshToken": "abc\u0000"}),
    (VERIFY, {"token": "a.b\u0000.c"}),
]




LONE_SURROGATE_TEMPLATES = [
    (SIGN_UP, '{"email": "ada@@@example.com", "password": "correct horse battery staple"}'),
    (SIGN_UP, '{"email": "ada@example.com", "password": "correct horse battery staple@@"}'),
    (SIGN_UP, '{"email": "ada@example.com", "password": "correct horse battery staple", '
              '"options": {"displayName": "Ada@@"}}'),
    (SIGN_UP, '{"email": "ada@example.com", "password": "correct horse battery staple", '
              '"options": {"metadata": {"note": "x@@"}}}'),
    (SIGN_UP, '{"email": "ada@example.com", "password": "correct horse battery staple", '
              '"options": {"metadata": {"k@@": 1}}}'),
    (SIGN_IN, '{"email": "existing@example.com", "password": "correct horse battery staple@@"}'),
    (REFRESH, '{"refreshToken": "abc@@"}'),
    (SIGN_OUT, '{"refreshToken": "abc@@"}'),
    (VERIFY, '{"token": "a.b@@.c"}'),
]
LONE_SURROGATES = ["\\ud800", "\\udfff", "\\udc00\\ud800"]


INVALID_UTF8 = [b"\xed\xa0\x80", b"\xc0\xaf", b"\xff", b"\xe2\x82"]  # encoded surrogate, overlong, ff, truncated


async def test_unstorable_text(client):
    """NUL (PostgreSQL stores none in text or JSONB), lone surrogates (valid JSON escapes, invalid Unicode:
    cannot be encoded, hashed or stored) and invalid UTF-8: refused everywhere, on both databases alike."""
    await session_for(client, "existing@example.com")
    cases = [as_json(route, body) for route, body in NUL_CASES]
    cases += [as_raw(route, template.replace("@@", escape).encode())
              for route, template in LONE_SURROGATE_TEMPLATES for escape in LONE_SURROGATES]
    for bad in INVALID_UTF8:
        cases.append(as_raw(SIGN_UP, b'{"email": "ada' + bad + b'@example.com", "password": "correct horse staple"}'))
        cases.append(as_raw(SIGN_IN, b'{"email": "ada@example.com", "password": "correct horse' + bad + b'"}'))
        cases.append(as_raw(REFRESH, b'{"refreshToken": "abc' + bad + b'"}'))
    await assert_all_refused(client, cases)


BIDI_AND_INVISIBLE = ["\u202e", "\u202d", "\u200f", "\u2066", "\u200b", "\u200d", "\ufeff", "\u0007", "\u001b"]




LONG_STRINGS = [
    (SIGN_UP, signup_body(email="a" * 5000 + "@example.com")),
    (SIGN_UP, signup_body(password="p" * 257)),  # over password_max_length (256)
    (SIGN_UP, signup_body(password="p" * 5000)),  # over the schema's bound
    (SIGN_UP, signup_body(options={"displayName": "A" * 33})),
    (SIGN_UP, signup_body(options={"displayName": "🚀" * 33})),
    (SIGN_UP, signup_body(options={"locale": "english"})),
    (SIGN_UP, signup_body(options={"redirectTo": "https://example.com/" + "a" * 3000})),
    (SIGN_UP, signup_body(codeChallenge="c" * 44)),
    (SIGN_IN, {"email": "ada@example.com", "password": "p" * 5000}),
    (REFRESH, {"refreshToken": "r" * 257}),
    (SIGN_OUT, {"refreshToken": "r" * 257}),
    (VERIFY, {"token": "t" * 9000}),
]


async def test_bidi_controls_and_very_long_strings(client):
    cases = [as_json(SIGN_UP, signup_body(options={"displayName": f"Ada{char}moc.live"})) for char in BIDI_AND_INVISIBLE]
    cases += [as_json(SIGN_UP, signup_body(email=f"ada{char}@example.com")) for char in ["\u202e", "\u200f", "\u200b"]]
    cases += [as_json(route, body) for route, body in LONG_STRINGS]
    await assert_all_refused(client, cases)
    # a very long role name is not a schema error: it is not among the allowed roles
    await assert_refused(client, "POST", SIGN_UP, 400, "default-role-must-be-in-allowed-roles",
                         json=signup_body(options={"defaultRole": "r" * 5000}))


DISPLAY_NAMES = ["Ada 🚀", "👍🏽 Ada", "Zoë Ñúñez-O'Brien", "李小龍", "عائشة", "Ω ≈ ∞", "🚀" * 32]


async def test_unicode_that_is_fine_round_trips(client):
    """Emoji, scripts, escaped surrogate pairs, RTL text in passwords and metadata: accepted and kept intact."""
    body = b'{"email": "pair@example.com", "password": "correct horse battery staple", ' \
           b'"options": {"displayName": "Ada \\ud83d\\ude80"}}'
    response = await client.post(SIGN_UP, **raw(body))
    assert response.status_code == 200, response.text
    assert response.json()["session"]["user"]["displayName"] == "Ada 🚀"
    for index, name in enumerate(DISPLAY_NAMES):
        response = await sign_up(client, f"user{index}@example.com", displayName=name)
        assert response.status_code == 200, (name, response.text)
        session = response.json()["session"]
        assert session["user"]["displayName"] == name
        me = await client.get("/v1/user", headers={"authorization": f"Bearer {session['accessToken']}"})
        assert me.status_code == 200
        assert me.json()["displayName"] == name
    # any Unicode text is a valid password (NIST 800-63B), RTL marks and emoji included
    password = "pässwörd \u202e 🚀 密码 long enough"
    assert (await sign_up(client, password=password)).status_code == 200
    ok = await client.post(SIGN_IN, json={"email": "ada@example.com", "password": password})
    assert ok.status_code == 200
    wrong = await client.post(SIGN_IN, json={"email": "ada@example.com", "password": password.replace("\u202e", "")})
    assert_error(wrong, 401, "invalid-email-password")
    metadata = {"name": "Zoë 🚀", "rtl": "שלום \u202e", "nested": {"list": ["a", "é", "😀"]}}
    response = await sign_up(client, "meta@example.com", metadata=metadata)
    assert response.status_code == 200, response.text
    session = response.json()["session"]
    assert session["user"]["metadata"] == metadata
    me = await client.get("/v1/user", headers={"authorization": f"Bearer {session['accessToken']}"})
    assert me.json()["metadata"] == metadata


# --- bad bearer tokens -----------------------------------------------------------------------------

BAD_AUTHORIZATION = [b"Bearer", b"Bearer ", b"Basic YWRhOnB3", b"Bearer not.a.jwt", b"Bearer a.b.c",
                     b"Bearer x\xff", b"Token abc", b"Bearer " + b"x" * 9000]


async def test_bad_authorization_headers(client):
    for header in BAD_AUTHORIZATION:
        await assert_refused(client, "GET", "/v1/user", 401, "unauthenticated-user", headers={"authorization": header})


# --- metadata bounds --------------------------------------------------------------------------------

METADATA_MAX_BYTES = 16 * 1024  # as compact JSON; Auth0's bound on user_metadata


def metadata_of_size(size: int) -> dict[str, str]:
    """A metadata object whose compact JSON is exactly `size` bytes."""
    return {"blob": "x" * (size - len('{"blob":""}'))}


async def test_metadata_is_bounded_everywhere_it_is_taken(make_client):
    """Larger than 16 KiB (yet inside the 64 KiB body limit), or numbers no store keeps: a 400, nothing written,
    on sign-up, anonymous sign-in and PAT creation alike; exactly 16 KiB is kept whole."""
    client = await make_client(anonymous_users_enabled=True)
    session = await session_for(client, "owner@example.com")
    bearer = {"authorization": f"Bearer {session['accessToken']}"}
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    too_big, huge_number = metadata_of_size(METADATA_MAX_BYTES + 1), {"n": 2 ** 70}
    cases = []
    for metadata in (too_big, huge_number, {"deep": {"deeper": [huge_number]}}):
        cases.append(as_json(SIGN_UP, signup_body(options={"metadata": metadata})))
        cases.append(as_json("/v1/signin/anonymous", {"metadata": metadata}))
        cases.append(("/v1/pat", "pat", {"json": {"expiresAt": expires, "metadata": metadata}, "headers": bearer}))
    await assert_all_refused(client, cases)

    at_bound = metadata_of_size(METADATA_MAX_BYTES)
    response = await sign_up(client, "bound@example.com", metadata=at_bound)
    assert response.status_code == 200, response.text[:200]
    assert response.json()["session"]["user"]["metadata"] == at_bound
    anonymous = await client.post("/v1/signin/anonymous", json={"metadata": at_bound})
    assert anonymous.status_code == 200, anonymous.text[:200]
    pat = await client.post("/v1/pat", json={"expiresAt": expires, "metadata": at_bound}, headers=bearer)
    assert pat.status_code == 200, pat.text[:200]
    listed = (await client.get("/v1/pat", headers=bearer)).json()["personalAccessTokens"]
    assert [token["metadata"] for token in listed] == [at_bound]
