"""The import readers: each source format's fields read into one `ImportedUser`, loose values read strictly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from authward.services.user_import import auth0, generic_csv, nhost
from authward.services.user_import.source_values import as_bool, as_datetime, as_roles


def test_loose_values() -> None:
    assert [as_bool(v, "x") for v in ("t", "TRUE", "1", "f", "", None, False)] == [True] * 3 + [False] * 4
    with pytest.raises(ValueError, match="x: 'maybe' is not a boolean"):
        as_bool("maybe", "x")
    assert as_roles("{user,me}") == ["user", "me"]  # a PostgreSQL array literal
    assert as_roles('["user", "user", "editor"]') == ["user", "editor"]
    assert as_roles("user, me") == ["user", "me"]
    assert as_roles("") is None
    with pytest.raises(ValueError):
        as_roles('[1, 2]')
    assert as_datetime("2024-01-02 03:04:05.678+00", "t") == datetime(2024, 1, 2, 3, 4, 5, 678000, UTC)
    assert as_datetime("2024-01-02T03:04:05Z", "t") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_auth0_ids_are_stable_uuids() -> None:
    inner = uuid.uuid4()
    assert auth0.user_id_of(f"auth0|{inner}") == inner
    derived = auth0.user_id_of("auth0|5f7c8ec7c33c6c004bbafe82")
    assert derived == auth0.user_id_of("auth0|5f7c8ec7c33c6c004bbafe82") != auth0.user_id_of("auth0|other")


def test_auth0_record() -> None:
    user = auth0.read_user({
        "_id": {"$oid": "5f7c8ec7c33c6c004bbafe82"}, "email": "a@example.com", "name": "a@example.com",
        "nickname": "ada", "passwordHash": "$2y$10$abc", "blocked": True,
        "identities": [{"provider": "auth0", "user_id": "5f7c"}, {"provider": "google-oauth2", "user_id": "123"}],
        "app_metadata": {"roles": ["admin"], "plan": "internal"}, "user_metadata": {"theme": "dark"},
    }, "line 1")
    assert user.id == auth0.user_id_of("auth0|5f7c8ec7c33c6c004bbafe82")
    assert (user.display_name, user.password_hash, user.disabled) == ("ada", "$2y$10$abc", True)
    assert (user.roles, user.metadata, user.providers) == (["admin"], {"theme": "dark"}, [("google-oauth2", "123")])


def test_nhost_totp_only_when_active() -> None:
    row = {"id": str(uuid.uuid4()), "email": "a@example.com", "totp_secret": "JBSWY3DPEHPK3PXP", "locale": "en"}
    assert nhost.read_user({**row, "active_mfa_type": "totp"}, "x").totp_secret == "JBSWY3DPEHPK3PXP"
    assert nhost.read_user({**row, "active_mfa_type": ""}, "x").totp_secret is None


def test_generic_csv_refuses_both_password_columns() -> None:
    with pytest.raises(ValueError, match="not both"):
        generic_csv.read_user({"email": "a@example.com", "password": "x" * 12, "password_hash": "$2b$..."}, "line 2")
    with pytest.raises(ValueError, match="id: 'nope' is not a UUID"):
        generic_csv.read_user({"email": "a@example.com", "id": "nope"}, "line 2")


@pytest.mark.parametrize("address", [
    "Ada@Example.COM", "a.b+tag@sub.example.org", "x@localhost", "y@example.invalid", "z@test", "bad@-x.com",
    "no-at-sign", "two..dots@example.com", "ünï@example.com", "a@bücher.example", " spaced@example.com ",
    "a" * 65 + "@example.com",
])
def test_email_checker_agrees_with_sign_up(address: str) -> None:
    """The per-domain cache never accepts or spells an address differently from `normalise_email`."""
    from authward.errors import AuthError
    from authward.services.user_import.checks import EmailChecker, Skip
    from authward.services.users import normalise_email

    try:
        expected: str | None = normalise_email(address)
    except AuthError:
        expected = None
    checker = EmailChecker()
    for _ in range(2):  # the second time from the cache
        try:
            got: str | None = checker(address)
        except Skip:
            got = None
        assert got == expected
