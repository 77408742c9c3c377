"""The WebAuthn method's small rules: the sign counter, user handles, base64url, the ways to sign in."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from authward.methods.webauthn.keys import (
    StoredKey,
    counter_went_backwards,
    from_b64url,
    user_handle,
    user_id_of_handle,
)
from authward.methods.webauthn.sign_in_ways import ways_to_sign_in
from authward.settings import Settings
from authward.storage.models import User


@pytest.mark.parametrize(("stored", "reported", "refused"), [
    (0, 0, False),  # an authenticator that always reports 0 (synced passkeys)
    (0, 1, False),
    (5, 6, False),
    (5, 5, True),  # did not move: another authenticator used the same counter value
    (5, 4, True),  # went backwards
    (5, 0, True),  # a clone reporting 0 after the original counted
])
def test_the_counter_rule(stored: int, reported: int, refused: bool) -> None:
    assert counter_went_backwards(stored, reported) is refused


def test_user_handles_are_the_user_id_as_text_as_nhost() -> None:
    user_id = uuid.uuid4()
    assert user_handle(user_id) == str(user_id).encode()
    assert user_id_of_handle(user_handle(user_id)) == user_id
    assert user_id_of_handle(user_id.bytes) == user_id  # 16 raw bytes too
    assert user_id_of_handle(b"not a user") is None
    assert user_id_of_handle(b"\xff" * 36) is None


def test_base64url_is_strict() -> None:
    assert from_b64url("AQID") == b"\x01\x02\x03"
    assert from_b64url("AQI") == b"\x01\x02"  # padding optional
    for bad in ("not base64url!", "a+b/", "é"):
        with pytest.raises(ValueError):
            from_b64url(bad)


def test_stored_key_round_trip() -> None:
    key = StoredKey(public_key=b"\xa5\x01\x02", sign_count=7, transports=["usb"], nickname="blue", aaguid="x",
                    attestation_format="packed", backed_up=True, device_type="multi_device")
    assert StoredKey.from_data(key.to_data()) == key


def user(**values: Any) -> User:
    return User(password_hash=values.get("password_hash"), email=values.get("email"),
                email_verified=values.get("email_verified", False), phone_number=values.get("phone_number"),
                phone_number_verified=values.get("phone_number_verified", False))


def settings(**values: Any) -> Settings:
    return Settings(webauthn_enabled=True, webauthn_rp_id="example.com", webauthn_rp_name="Example",
                    webauthn_rp_origins=["https://example.com"], **values)


def test_the_ways_to_sign_in() -> None:
    links_off = settings(email_passwordless_enabled=False, email_otp_enabled=False)
    assert ways_to_sign_in(user(), links_off, 0) == []
    assert ways_to_sign_in(user(password_hash="$argon2id$..."), links_off, 0) == ["password"]
    assert ways_to_sign_in(user(), links_off, 1) == ["webauthn"]
    verified = user(email="ada@example.com", email_verified=True)
    assert ways_to_sign_in(verified, links_off, 0) == []  # no link nor code to use it with
    assert ways_to_sign_in(verified, settings(), 0) == ["email"]
    assert ways_to_sign_in(user(email="ada@example.com"), settings(), 0) == []  # not verified
    phone = user(phone_number="+33612345678", phone_number_verified=True)
    assert ways_to_sign_in(phone, links_off, 0) == []
    assert ways_to_sign_in(phone, settings(sms_passwordless_enabled=True, email_passwordless_enabled=False,
                                           email_otp_enabled=False), 0) == ["sms"]
    off = Settings()  # WebAuthn off: a key is no way in
    assert ways_to_sign_in(user(), off, 3) == []
