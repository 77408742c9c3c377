"""The sign-in completion and the session issuer, without HTTP, on SQLite and PostgreSQL.

Every method ends in `SignInCompletion.complete`: these tests pin its policy (disabled, unverified,
anonymous, MFA and who may skip it, elevation, amr) and what the issuer writes for a client grant.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select

from authward.errors import AuthError, ErrorCode, OAuthError
from authward.methods.registry import METHODS
from authward.security.jwt import InvalidToken
from authward.services.claims import ELEVATED_CLAIM, TokenGrant
from authward.services.core import Core, build_core
from authward.services.method_info import ANONYMOUS, PASSWORD, PAT, SMS_OTP, TOTP, MethodInfo
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInContext
from authward.services.sign_in_policy import SignInPolicy
from authward.services.users import ProfileOptions, new_user
from authward.storage.models import AuditEvent, RefreshToken, Ticket, User
from authward.storage.repos import users as users_repo
from tests.support import cheap_settings

NAMESPACE = "https://hasura.io/jwt/claims"


@pytest.fixture
async def core(database_url: str, tmp_path: Path) -> AsyncIterator[Core]:
    built = build_core(cheap_settings(tmp_path / "data", database_url, email_verification_required=True))
    await built.keys.ensure_signing_key()
    yield built
    await built.close()


async def add_user(core: Core, **fields: Any) -> User:
    user = new_user(core.settings, ProfileOptions(), email=f"{uuid.uuid4().hex[:8]}@example.com")
    user.email_verified = True
    for name, value in fields.items():
        setattr(user, name, value)
    async with core.db.write() as session:
        await users_repo.add(session, user)
    return user


async def complete(core: Core, user: User, method: MethodInfo, **context: Any) -> IssuedSession | MfaChallenge:
    async with core.db.write() as session:
        fresh = await users_repo.get(session, user.id)
        assert fresh is not None
        return await core.sign_in.complete(session, fresh, method, SignInContext(**context))


async def count(core: Core, model: Any, **where: Any) -> int:
    async with core.db.read() as session:
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(stmt) or 0)


def claims_of(issued: IssuedSession) -> dict[str, Any]:
    return jwt.decode(issued.access_token, options={"verify_signature": False})


async def test_a_first_factor_opens_an_elevated_session_and_writes_the_audit_row(core: Core) -> None:
    user = await add_user(core)
    issued = await complete(core, user, PASSWORD, user_agent="tests")
    assert isinstance(issued, IssuedSession)
    claims = claims_of(issued)
    assert claims["amr"] == ["pwd"] and claims["sub"] == str(user.id)
    assert claims[NAMESPACE][ELEVATED_CLAIM] == str(user.id)
    assert await count(core, RefreshToken, user_id=user.id) == 1
    assert await count(core, AuditEvent, user_id=user.id, event="user.signed_in") == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"disabled": True}, ErrorCode.DISABLED_USER),
        ({"email_verified": False}, ErrorCode.UNVERIFIED_USER),
        ({"is_anonymous": True, "email": None}, ErrorCode.FORBIDDEN_ANONYMOUS),
    ],
)
async def test_the_policy_refuses_and_writes_nothing(core: Core, fields: dict[str, Any], code: ErrorCode) -> None:
    user = await add_user(core, **fields)
    with pytest.raises(AuthError) as refused:
        await complete(core, user, PASSWORD)
    assert refused.value.code is code
    assert await count(core, RefreshToken, user_id=user.id) == 0
    assert await count(core, Ticket, user_id=user.id) == 0


async def test_only_anonymous_users_sign_in_anonymously_and_are_not_elevated(core: Core) -> None:
    registered = await add_user(core)
    with pytest.raises(AuthError) as refused:
        await complete(core, registered, ANONYMOUS)
    assert refused.value.code is ErrorCode.FORBIDDEN_ANONYMOUS
    anonymous = await add_user(core, is_anonymous=True, email=None, email_verified=False)
    issued = await complete(core, anonymous, ANONYMOUS)
    assert isinstance(issued, IssuedSession)
    assert ELEVATED_CLAIM not in claims_of(issued)[NAMESPACE]


async def test_a_user_with_totp_gets_a_challenge_carrying_the_first_factor(core: Core) -> None:
    user = await add_user(core, active_mfa_type="totp")
    challenge = await complete(core, user, SMS_OTP)
    assert isinstance(challenge, MfaChallenge) and challenge.ticket.startswith("mfaTotp:")
    assert await count(core, RefreshToken, user_id=user.id) == 0
    async with core.db.read() as session:
        [row] = (await session.scalars(select(Ticket).where(Ticket.user_id == user.id))).all()
    assert row.kind == "mfaTotp" and row.payload == {"amr": ["sms"]}
    assert challenge.ticket not in repr(row.__dict__)  # only its hash is stored


async def test_a_pat_owes_the_second_factor_unless_the_operator_allows_the_skip(core: Core) -> None:
    user = await add_user(core, active_mfa_type="totp")
    assert isinstance(await complete(core, user, PAT), MfaChallenge)  # AUTHWARD_PAT_SKIPS_MFA=false (default)
    core.sign_in.policy = SignInPolicy(True, operator_allows_mfa_skips=True)
    issued = await complete(core, user, PAT)
    assert isinstance(issued, IssuedSession)
    assert claims_of(issued)["amr"] == ["pat"]
    assert ELEVATED_CLAIM not in claims_of(issued)[NAMESPACE]


async def test_a_second_factor_records_both_factors_and_mfa(core: Core) -> None:
    user = await add_user(core, active_mfa_type="totp")
    issued = await complete(core, user, TOTP, earlier_amr=["pwd"])
    assert isinstance(issued, IssuedSession)
    assert claims_of(issued)["amr"] == ["pwd", "otp", "mfa"]


async def test_after_a_sign_up_a_session_only_when_the_user_may_have_one(core: Core) -> None:
    unverified = await add_user(core, email_verified=False)
    async with core.db.write() as session:
        assert await core.sign_in.session_if_eligible(session, unverified, PASSWORD) is None
    verified = await add_user(core)
    async with core.db.write() as session:
        assert isinstance(await core.sign_in.session_if_eligible(session, verified, PASSWORD), IssuedSession)


def test_the_method_catalogue_is_consistent() -> None:
    ids = [method.info.id for method in METHODS]
    assert len(ids) == len(set(ids)), ids
    for method in METHODS:
        info = method.info
        assert info.amr and info.id
        if info.skips_mfa_because is not None:  # a method that may skip MFA says why, in words
            assert len(info.skips_mfa_because.split()) >= 5
        assert method.routers, f"{info.id} serves no face"


# -- the issuer
async def test_a_client_grant_carries_client_scope_and_audience_through_refresh(core: Core) -> None:
    user = await add_user(core)
    grant = TokenGrant(amr=["pwd"], client_id="app-1", scopes=("openid", "profile"))
    async with core.db.write() as session:
        issued = await core.sessions.issue(session, user, grant)
    claims = claims_of(issued)
    assert claims["client_id"] == "app-1" and claims["scope"] == "openid profile"
    with pytest.raises(AuthError) as refused:  # a client's refresh token is not a first-party one
        await core.sessions.refresh(issued.refresh_token)
    assert refused.value.code is ErrorCode.INVALID_REFRESH_TOKEN
    with pytest.raises(AuthError):  # nor another client's
        await core.sessions.refresh(issued.refresh_token, client_id="app-2")
    with pytest.raises(OAuthError) as widened:  # scopes only narrow
        await core.sessions.refresh(issued.refresh_token, client_id="app-1", scopes=["openid", "email"])
    assert widened.value.error == "invalid_scope"
    refreshed = await core.sessions.refresh(issued.refresh_token, client_id="app-1")
    claims = claims_of(refreshed)
    assert claims["client_id"] == "app-1" and claims["scope"] == "openid profile"
    assert claims["sid"] == str(issued.refresh_token_id)
    narrowed = await core.sessions.refresh(refreshed.refresh_token, client_id="app-1", scopes=["openid"])
    assert claims_of(narrowed)["scope"] == "openid"
    async with core.db.read() as session:
        rows = (await session.scalars(select(RefreshToken).where(RefreshToken.user_id == user.id)
                                      .order_by(RefreshToken.created_at))).all()
    assert [(row.client_id, tuple(row.scopes or ())) for row in rows] == [
        ("app-1", ("openid", "profile")), ("app-1", ("openid", "profile")), ("app-1", ("openid",))]


async def test_a_first_party_session_has_no_client_and_keeps_the_hasura_claims(core: Core) -> None:
    user = await add_user(core)
    issued = await complete(core, user, PASSWORD)
    assert isinstance(issued, IssuedSession)
    claims = claims_of(issued)
    assert "client_id" not in claims and "aud" not in claims
    assert claims[NAMESPACE]["x-hasura-user-id"] == str(user.id)


async def test_the_codec_requires_an_audience_when_asked(core: Core) -> None:
    user = await add_user(core)
    now = core.clock()
    claims = core.claims.build(user, TokenGrant(amr=["pwd"], audience=("https://api.example.com",)),
                                         now, now, 60)
    token = core.codec.encode(claims)
    assert (await core.codec.decode(token, audience="https://api.example.com"))["aud"] == "https://api.example.com"
    with pytest.raises(InvalidToken):
        await core.codec.decode(token, audience="https://other.example.com")
    first_party = core.codec.encode(core.claims.build(user, TokenGrant(amr=["pwd"]), now, now, 60))
    await core.codec.decode(first_party)
    with pytest.raises(InvalidToken):
        await core.codec.decode(first_party, audience="https://api.example.com")


async def test_the_codec_refuses_our_own_signature_on_a_token_that_is_not_an_access_token(core: Core) -> None:
    now = int(core.clock().timestamp())
    token = core.codec.encode({"sub": str(uuid.uuid4()), "iss": core.settings.server.public_url, "iat": now,
                               "exp": now + 60, "nonce": "n"})  # an ID-token-like shape: no Hasura claims
    with pytest.raises(InvalidToken):
        await core.codec.decode(token)


async def test_a_refresh_re_applies_the_policy(core: Core) -> None:
    user = await add_user(core)
    issued = await complete(core, user, PASSWORD)
    assert isinstance(issued, IssuedSession)
    async with core.db.write() as session:
        row = await users_repo.get(session, user.id)
        assert row is not None
        row.disabled = True
    with pytest.raises(AuthError) as refused:
        await core.sessions.refresh(issued.refresh_token)
    assert refused.value.code is ErrorCode.DISABLED_USER
