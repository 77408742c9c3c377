"""TOTP codes (RFC 6238 Appendix B vectors), recovery code values, failure state, the elevation rule."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from authward.errors import AuthError
from authward.methods.totp.otp import (
    TotpParameters,
    code_at,
    looks_like_code,
    matching_step,
    new_secret,
    provisioning_uri,
)
from authward.methods.totp.qr import qr_data_url
from authward.methods.totp.state import LOCKOUT_SECONDS, MAX_CONSECUTIVE_FAILURES, TotpState
from authward.security.recovery_codes import CODE_LENGTH, digest, new_code, normalise
from authward.services.elevation import ElevationRule, passed_second_factor
from authward.settings import Settings

# RFC 6238 Appendix B: ASCII seeds of 20, 32 and 64 bytes, 8 digits, 30 s steps.
SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


def _b32(seed: bytes) -> str:
    return base64.b32encode(seed).decode()


@pytest.mark.parametrize(("when", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc6238_vectors(when: int, sha1: str, sha256: str, sha512: str) -> None:
    for algorithm, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        params = TotpParameters(digits=8, algorithm=algorithm)
        secret = _b32(SEEDS[algorithm])
        assert code_at(secret, when, params) == expected
        moment = datetime.fromtimestamp(when, UTC)
        assert matching_step(secret, expected, moment, params) == when // 30


def test_matching_step_accepts_one_step_of_skew_only() -> None:
    secret = new_secret()
    now = datetime(2030, 1, 1, 12, 0, 15, tzinfo=UTC)
    step = int(now.timestamp()) // 30
    for offset in (-1, 0, 1):
        code = code_at(secret, now + timedelta(seconds=30 * offset))
        assert matching_step(secret, code, now) == step + offset
    for offset in (-2, 2):
        code = code_at(secret, now + timedelta(seconds=30 * offset))
        assert matching_step(secret, code, now) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", " 123456"])
def test_malformed_codes_never_match(code: str) -> None:
    assert not looks_like_code(code)
    assert matching_step(new_secret(), code, datetime.now(UTC)) is None


def test_secrets_are_160_bit_base32_and_distinct() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20


def test_provisioning_uri_and_qr() -> None:
    uri = provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ada@example.com", "Acme Auth")
    assert uri.startswith("otpauth://totp/Acme%20Auth:ada%40example.com?")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri and "issuer=Acme%20Auth" in uri
    url = qr_data_url(uri)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_recovery_code_values() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert len(code) == CODE_LENGTH + 3 and code.count("-") == 3
    assert normalise(code.upper().replace("-", " ")) == code.replace("-", "")
    assert normalise("123456") is None
    assert normalise(code.replace(code[0], "0")) is None  # 0 is not in the alphabet
    user_a, user_b = uuid.uuid4(), uuid.uuid4()
    plain = normalise(code)
    assert plain is not None
    assert digest(b"k" * 32, user_a, plain) != digest(b"k" * 32, user_b, plain)
    assert digest(b"k" * 32, user_a, plain) != digest(b"j" * 32, user_a, plain)


def test_failure_state_locks_and_unlocks() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    state = TotpState(active=True, last_step=5)
    for _ in range(MAX_CONSECUTIVE_FAILURES - 1):
        state = state.failed(now)
    assert not state.locked(now)
    state = state.failed(now)
    assert state.locked(now)
    assert state.locked(now + timedelta(seconds=LOCKOUT_SECONDS - 1))
    later = now + timedelta(seconds=LOCKOUT_SECONDS)
    assert not state.locked(later)
    assert state.failed(later).failures == 1  # a new window after the pause
    assert state.accepted(9) == TotpState(active=True, last_step=9)
    assert TotpState.from_data(state.to_data()) == state


def _claims(sub: str, auth_time: int, elevated: str | None) -> dict[str, object]:
    namespace: dict[str, object] = {"x-hasura-user-id": sub}
    if elevated is not None:
        namespace["x-hasura-auth-elevated"] = elevated
    return {"sub": sub, "auth_time": auth_time, "amr": ["pwd"], "https://hasura.io/jwt/claims": namespace}


def test_elevation_rule() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    settings = Settings(database_url="sqlite:///x.db", elevation_max_age=600, require_elevated_claim=True)
    rule = ElevationRule(settings, lambda: now)
    sub = str(uuid.uuid4())
    fresh = int(now.timestamp()) - 600
    assert rule.is_elevated(_claims(sub, fresh, sub))
    assert not rule.is_elevated(_claims(sub, fresh - 1, sub))  # too old
    assert not rule.is_elevated(_claims(sub, fresh, None))  # no claim (a refreshed token)
    assert not rule.is_elevated(_claims(sub, fresh, str(uuid.uuid4())))  # someone else's claim
    rule.enforce(_claims(sub, fresh, sub))
    with pytest.raises(AuthError) as err:
        rule.enforce(_claims(sub, fresh, None))
    assert err.value.code == "elevated-claim-required" and err.value.status == 401
    lenient = ElevationRule(Settings(database_url="sqlite:///x.db"), lambda: now)
    lenient.enforce(_claims(sub, fresh, None))  # AUTHWARD_REQUIRE_ELEVATED_CLAIM=false: a recent auth suffices
    with pytest.raises(AuthError):
        lenient.enforce(_claims(sub, fresh - 10_000, None))  # ...but a stale one does not (security.md)
    with pytest.raises(AuthError):
        lenient.enforce({**_claims(sub, fresh, None), "amr": ["pat"]})  # nor a PAT session


def test_second_factor_passed_reads_amr() -> None:
    assert passed_second_factor({"amr": ["pwd", "otp", "mfa"]})
    assert not passed_second_factor({"amr": ["pwd"]})
    assert not passed_second_factor({})
