"""Request and response models of the WebAuthn routes, named and shaped as the Nhost spec's components.

The credential objects are what `@simplewebauthn/browser` (and `PublicKeyCredential.toJSON()`) produce.
Unlike the other request models they ignore members they do not know: a newer browser may add one
(a new extension output, say), and refusing the whole ceremony for it would help nobody. py_webauthn
reads them; the models only check the shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from authward.api.nhost.email_schemas import CodeChallenge, Email
from authward.api.nhost.schemas import SignUpOptions, StrictModel
from authward.methods.webauthn.keys import NICKNAME_MAX

Base64Url = Annotated[str, Field(json_schema_extra={"format": "byte"})]  # the spec's URLEncodedBase64


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CredentialPropertiesOutput(_Lenient):
    rk: bool | None = None


class AuthenticationExtensionsClientOutputs(BaseModel):
    model_config = ConfigDict(extra="allow")  # the spec's additionalProperties: true
    appid: bool | None = None
    credProps: CredentialPropertiesOutput | None = None
    hmacCreateSecret: bool | None = None


class AuthenticatorAttestationResponse(_Lenient):
    clientDataJSON: Base64Url
    transports: list[str] | None = None
    authenticatorData: Base64Url | None = None
    publicKey: Base64Url | None = None
    publicKeyAlgorithm: int | None = Field(default=None, json_schema_extra={"format": "int64"})
    attestationObject: Base64Url


class AuthenticatorAssertionResponse(_Lenient):
    clientDataJSON: str
    authenticatorData: str
    signature: str
    userHandle: str | None = None


class CredentialCreationResponse(_Lenient):
    id: str
    type: str
    rawId: Base64Url
    clientExtensionResults: AuthenticationExtensionsClientOutputs | None = None
    authenticatorAttachment: str | None = None
    response: AuthenticatorAttestationResponse


class CredentialAssertionResponse(_Lenient):
    id: str
    type: str
    rawId: Base64Url
    clientExtensionResults: AuthenticationExtensionsClientOutputs | None = None
    authenticatorAttachment: str | None = None
    response: AuthenticatorAssertionResponse


def credential_json(credential: BaseModel) -> dict[str, Any]:
    """The credential as py_webauthn reads it (the browser's JSON, members left out when absent)."""
    return credential.model_dump(exclude_none=True)


# -- requests
class SignUpWebauthnRequest(StrictModel):
    email: Email
    options: SignUpOptions | None = None


class SignUpWebauthnVerifyRequest(StrictModel):
    credential: CredentialCreationResponse
    options: SignUpOptions | None = None
    nickname: str | None = Field(default=None, max_length=NICKNAME_MAX)
    codeChallenge: CodeChallenge | None = None


class SignInWebauthnRequest(StrictModel):
    email: Email | None = None


class SignInWebauthnVerifyRequest(StrictModel):
    email: Email | None = Field(default=None, json_schema_extra={"deprecated": True})  # ignored, as Nhost
    credential: CredentialAssertionResponse


class MfaWebauthnRequest(StrictModel):
    ticket: str = Field(max_length=128, pattern=r"^mfaTotp:.*$")


class MfaWebauthnVerifyRequest(StrictModel):
    ticket: str = Field(max_length=128, pattern=r"^mfaTotp:.*$")
    credential: CredentialAssertionResponse


class VerifyAddSecurityKeyRequest(StrictModel):
    credential: CredentialCreationResponse
    nickname: str | None = Field(default=None, max_length=NICKNAME_MAX)


class RenameSecurityKeyRequest(StrictModel):
    """(authward) PATCH /user/webauthn/{id}: an empty or null nickname removes it."""

    nickname: str | None = Field(default=None, max_length=NICKNAME_MAX)


# -- responses
class RelyingPartyEntity(BaseModel):
    name: str
    id: str


class UserEntity(BaseModel):
    name: str
    displayName: str
    id: str


class CredentialParameter(BaseModel):
    type: str
    alg: int


class PublicKeyCredentialDescriptor(BaseModel):
    type: str
    id: str
    transports: list[str] | None = None


class AuthenticatorSelection(BaseModel):
    authenticatorAttachment: str | None = None
    requireResidentKey: bool | None = None
    residentKey: str | None = None
    userVerification: str | None = None


class PublicKeyCredentialCreationOptions(BaseModel):
    rp: RelyingPartyEntity
    user: UserEntity
    challenge: str
    pubKeyCredParams: list[CredentialParameter]
    timeout: int | None = None
    excludeCredentials: list[PublicKeyCredentialDescriptor] | None = None
    authenticatorSelection: AuthenticatorSelection | None = None
    hints: list[str] | None = None
    attestation: str | None = None
    attestationFormats: list[str] | None = None
    extensions: dict[str, Any] | None = None


class PublicKeyCredentialRequestOptions(BaseModel):
    challenge: str
    timeout: int | None = None
    rpId: str | None = None
    allowCredentials: list[PublicKeyCredentialDescriptor] | None = None
    userVerification: str | None = None
    hints: list[str] | None = None
    extensions: dict[str, Any] | None = None


class VerifyAddSecurityKeyResponse(BaseModel):
    id: str
    nickname: str | None = None


class SecurityKeyInfo(BaseModel):
    """(authward) One of the user's keys, as GET /user/webauthn lists it."""

    id: str = Field(description="The key's id in this server (the path parameter of PATCH and DELETE)")
    credentialId: str = Field(description="The WebAuthn credential id (base64url)")
    nickname: str | None = None
    transports: list[str]
    backedUp: bool = Field(description="A synced passkey (the authenticator's backup state)")
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    lastUsedAt: str | None = Field(default=None, json_schema_extra={"format": "date-time"})


class SecurityKeyList(BaseModel):
    securityKeys: list[SecurityKeyInfo]
