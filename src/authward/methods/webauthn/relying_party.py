"""The relying party: ceremony options and response verification, all by py_webauthn (nothing hand-written).

Options are answered as the JSON `@simplewebauthn/browser` and `navigator.credentials` take (bytes in
base64url), the shape of the Nhost spec's `PublicKeyCredential{Creation,Request}Options`. Every
verification failure — wrong origin, wrong RP id, wrong challenge, bad signature, malformed JSON — is
the spec's `invalid-request`, as Nhost answers; the reason goes to the log, not to the caller.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authward.errors import AuthError, ErrorCode
from authward.methods.webauthn.keys import MAX_CREDENTIAL_ID_CHARS, b64url, from_b64url
from authward.settings import WebAuthnSettings, WebAuthnUserVerification

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

# py_webauthn is imported by the ceremonies that use it, not with this module: its package pulls in
# pyOpenSSL, cbor2 and pyasn1 (~15 MiB resident per worker), which a server without passkeys never needs.

log = logging.getLogger("authward.webauthn")


def refused(reason: str) -> AuthError:
    """What a caller hears when a ceremony fails: the spec's `invalid-request` (the reason is logged)."""
    log.info("webauthn ceremony refused: %s", reason)
    return AuthError(ErrorCode.INVALID_REQUEST, "The WebAuthn response could not be verified")


@dataclass(frozen=True)
class Descriptor:
    """A key the browser may use (allowCredentials) or must not create again (excludeCredentials)."""

    credential_id: bytes
    transports: list[str]


@dataclass(frozen=True)
class NewKey:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    user_verified: bool
    aaguid: str
    attestation_format: str
    backed_up: bool
    device_type: str


@dataclass(frozen=True)
class Assertion:
    sign_count: int
    user_verified: bool
    backed_up: bool


@dataclass(frozen=True)
class ClientResponse:
    """What the server reads from a response before verifying it: which challenge, which key, whose."""

    challenge: str  # base64url, as in clientDataJSON
    credential_id: str  # base64url
    user_handle: bytes | None


def read_response(credential: dict[str, Any]) -> ClientResponse:
    """The challenge, credential id and user handle of a browser response (refused when malformed)."""
    try:
        response = credential["response"]
        client_data = json.loads(from_b64url(response["clientDataJSON"]))
        challenge = client_data["challenge"]
        raw_id = credential["rawId"]
        handle = response.get("userHandle")
        user_handle = from_b64url(handle) if handle else None
        if not isinstance(challenge, str) or not isinstance(raw_id, str):
            raise TypeError("challenge and rawId are strings")
        from_b64url(raw_id)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # JSONDecodeError is a ValueError
        raise refused(f"malformed response: {exc!r}") from None
    if len(raw_id) > MAX_CREDENTIAL_ID_CHARS:
        raise refused("credential id too long")
    return ClientResponse(challenge, raw_id.rstrip("="), user_handle)


class RelyingParty:
    def __init__(self, settings: WebAuthnSettings) -> None:
        self._settings = settings

    @property
    def requires_user_verification(self) -> bool:
        return self._settings.user_verification is WebAuthnUserVerification.REQUIRED

    def _rp_id(self) -> str:
        assert self._settings.rp_id is not None  # the settings refuse WebAuthn on without one
        return self._settings.rp_id

    def registration_options(self, challenge: bytes, handle: bytes, name: str, display_name: str,
                             exclude: list[Descriptor]) -> dict[str, Any]:
        from webauthn import generate_registration_options
        from webauthn.helpers.options_to_json_dict import options_to_json_dict
        from webauthn.helpers.structs import (
            AttestationConveyancePreference,
            AuthenticatorSelectionCriteria,
            ResidentKeyRequirement,
            UserVerificationRequirement,
        )

        assert self._settings.rp_name is not None
        options = generate_registration_options(
            rp_id=self._rp_id(), rp_name=self._settings.rp_name, user_id=handle, user_name=name,
            user_display_name=display_name, challenge=challenge, timeout=self._settings.timeout,
            attestation=AttestationConveyancePreference(self._settings.attestation.value),
            # A passkey when the authenticator can hold one (sign-in without an email), a plain
            # security key otherwise (then sign-in needs the email, to list the key).
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED, require_resident_key=False,
                user_verification=UserVerificationRequirement(self._settings.user_verification.value),
            ),
            exclude_credentials=[_descriptor(d) for d in exclude],
        )
        return options_to_json_dict(options)

    def authentication_options(self, challenge: bytes, allow: list[Descriptor]) -> dict[str, Any]:
        from webauthn import generate_authentication_options
        from webauthn.helpers.options_to_json_dict import options_to_json_dict
        from webauthn.helpers.structs import UserVerificationRequirement

        options = generate_authentication_options(
            rp_id=self._rp_id(), challenge=challenge, timeout=self._settings.timeout,
            allow_credentials=[_descriptor(d) for d in allow],
            user_verification=UserVerificationRequirement(self._settings.user_verification.value),
        )
        return options_to_json_dict(options)

    def verify_registration(self, credential: dict[str, Any], challenge: bytes) -> NewKey:
        from webauthn import verify_registration_response
        from webauthn.helpers.exceptions import WebAuthnException

        try:
            verified = verify_registration_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=self._rp_id(),
                expected_origin=list(self._settings.rp_origins),
                require_user_verification=self.requires_user_verification,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
            raise refused(f"registration: {exc}") from None
        if len(b64url(verified.credential_id)) > MAX_CREDENTIAL_ID_CHARS:
            raise refused("credential id too long")
        return NewKey(
            credential_id=verified.credential_id, public_key=verified.credential_public_key,
            sign_count=verified.sign_count, user_verified=verified.user_verified, aaguid=verified.aaguid,
            attestation_format=_text(verified.fmt), backed_up=verified.credential_backed_up,
            device_type=_text(verified.credential_device_type),
        )

    def verify_assertion(self, credential: dict[str, Any], challenge: bytes, public_key: bytes) -> Assertion:
        """Signature, challenge, origin, RP id, user presence (and verification when required).

        The sign counter is checked by the caller against the stored one (keys.counter_went_backwards),
        after the signature: only a correctly signed assertion tells of a cloned authenticator.
        """
        from webauthn import verify_authentication_response
        from webauthn.helpers.exceptions import WebAuthnException

        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=self._rp_id(),
                expected_origin=list(self._settings.rp_origins), credential_public_key=public_key,
                credential_current_sign_count=0, require_user_verification=self.requires_user_verification,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
            raise refused(f"authentication: {exc}") from None
        return Assertion(verified.new_sign_count, verified.user_verified, verified.credential_backed_up)


def _text(value: object) -> str:
    """An enum member's value, or the plain string py_webauthn sometimes hands back instead."""
    return str(getattr(value, "value", value))


def _descriptor(descriptor: Descriptor) -> PublicKeyCredentialDescriptor:
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    known = {t.value for t in AuthenticatorTransport}
    transports = [AuthenticatorTransport(t) for t in descriptor.transports if t in known]
    return PublicKeyCredentialDescriptor(id=descriptor.credential_id, transports=transports or None)
