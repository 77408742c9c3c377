"""The spec's WebAuthn routes (sign-up, sign-in, add a key, elevate: each options + verify), and
authward's own GET /user/webauthn, PATCH and DELETE /user/webauthn/{key_id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from authward.api.deps import provide, required_claims, user_agent
from authward.api.elevation import require_elevated
from authward.api.nhost.common import ERRORS
from authward.api.nhost.profile import profile_options
from authward.api.nhost.schemas import OKResponse, SessionPayload
from authward.api.nhost.wire import json_response, ok_response, session_json, session_payload
from authward.methods.webauthn.key_management import SecurityKey
from authward.methods.webauthn.schemas import (
    MfaWebauthnRequest,
    MfaWebauthnVerifyRequest,
    PublicKeyCredentialCreationOptions,
    PublicKeyCredentialRequestOptions,
    RenameSecurityKeyRequest,
    SecurityKeyInfo,
    SecurityKeyList,
    SignInWebauthnRequest,
    SignInWebauthnVerifyRequest,
    SignUpWebauthnRequest,
    SignUpWebauthnVerifyRequest,
    VerifyAddSecurityKeyRequest,
    VerifyAddSecurityKeyResponse,
    credential_json,
)
from authward.methods.webauthn.service import WebAuthnService
from authward.services.sign_in import MfaChallenge

router = APIRouter()
WebAuthnDep = Annotated[WebAuthnService, Depends(provide(WebAuthnService))]
Claims = Annotated[dict[str, Any], Depends(required_claims)]
ElevatedClaims = Annotated[dict[str, Any], Depends(require_elevated)]  # spec: BearerAuthElevated


@router.post("/signup/webauthn", operation_id="signUpWebauthn", response_model=PublicKeyCredentialCreationOptions,
             responses=ERRORS, tags=["authentication"])
async def sign_up_webauthn(body: SignUpWebauthnRequest, svc: WebAuthnDep) -> Response:
    return json_response(await svc.sign_up_options(body.email, profile_options(body.options)))


@router.post("/signup/webauthn/verify", operation_id="verifySignUpWebauthn", response_model=SessionPayload,
             responses=ERRORS, tags=["authentication"])
async def verify_sign_up_webauthn(body: SignUpWebauthnVerifyRequest, request: Request, svc: WebAuthnDep) -> Response:
    options = profile_options(body.options) if body.options is not None else None
    result = await svc.verify_sign_up(credential_json(body.credential), options, body.nickname, user_agent(request),
                                      body.codeChallenge)
    return json_response(session_payload(result.session))


@router.post("/signin/webauthn", operation_id="signInWebauthn", response_model=PublicKeyCredentialRequestOptions,
             responses=ERRORS, tags=["authentication"])
async def sign_in_webauthn(svc: WebAuthnDep, body: SignInWebauthnRequest | None = None) -> Response:
    """No email: any passkey of this site (a discoverable credential); with one, that account's keys."""
    return json_response(await svc.sign_in_options(body.email if body is not None else None))


@router.post("/signin/webauthn/verify", operation_id="verifySignInWebauthn", response_model=SessionPayload,
             responses=ERRORS, tags=["authentication"])
async def verify_sign_in_webauthn(body: SignInWebauthnVerifyRequest, request: Request, svc: WebAuthnDep) -> Response:
    outcome = await svc.verify_sign_in(credential_json(body.credential), user_agent(request))
    if isinstance(outcome, MfaChallenge):  # no user verification and TOTP active: finish at /signin/mfa/totp
        return json_response({"session": None, "mfa": {"ticket": outcome.ticket}})
    return json_response({"session": session_json(outcome)})


@router.post("/user/webauthn/add", operation_id="addSecurityKey", response_model=PublicKeyCredentialCreationOptions,
             responses=ERRORS, tags=["security"])
async def add_security_key(svc: WebAuthnDep, claims: ElevatedClaims) -> Response:
    return json_response(await svc.add_key_options(claims["sub"]))


@router.post("/user/webauthn/verify", operation_id="verifyAddSecurityKey", response_model=VerifyAddSecurityKeyResponse,
             responses=ERRORS, tags=["security"])
async def verify_add_security_key(body: VerifyAddSecurityKeyRequest, svc: WebAuthnDep,
                                  claims: ElevatedClaims) -> Response:
    added = await svc.verify_add_key(claims["sub"], credential_json(body.credential), body.nickname)
    answer: dict[str, Any] = {"id": str(added.id)}
    if added.nickname is not None:
        answer["nickname"] = added.nickname
    return json_response(answer)


@router.post("/elevate/webauthn", operation_id="elevateWebauthn", response_model=PublicKeyCredentialRequestOptions,
             responses=ERRORS, tags=["security"])
async def elevate_webauthn(svc: WebAuthnDep, claims: Claims) -> Response:
    return json_response(await svc.elevate_options(claims["sub"]))


@router.post("/elevate/webauthn/verify", operation_id="verifyElevateWebauthn", response_model=SessionPayload,
             responses=ERRORS, tags=["security"])
async def verify_elevate_webauthn(body: SignInWebauthnVerifyRequest, request: Request, svc: WebAuthnDep,
                                  claims: Claims) -> Response:
    issued = await svc.verify_elevate(claims, credential_json(body.credential), user_agent(request))
    return json_response(session_payload(issued))


@router.post("/signin/mfa/webauthn", operation_id="signInMfaWebauthn",
             response_model=PublicKeyCredentialRequestOptions, responses=ERRORS, tags=["authentication"])
async def sign_in_mfa_webauthn(body: MfaWebauthnRequest, svc: WebAuthnDep) -> Response:
    """(authward) Options to answer a pending sign-in's `mfaTotp:` ticket with a key instead of a TOTP code."""
    return json_response(await svc.mfa_options(body.ticket))


@router.post("/signin/mfa/webauthn/verify", operation_id="verifySignInMfaWebauthn", response_model=SessionPayload,
             responses=ERRORS, tags=["authentication"])
async def verify_sign_in_mfa_webauthn(body: MfaWebauthnVerifyRequest, request: Request, svc: WebAuthnDep) -> Response:
    issued = await svc.verify_mfa(body.ticket, credential_json(body.credential), user_agent(request))
    return json_response(session_payload(issued))


@router.get("/user/webauthn", operation_id="listSecurityKeys", response_model=SecurityKeyList, responses=ERRORS,
            tags=["security"])
async def list_security_keys(svc: WebAuthnDep, claims: Claims) -> Response:
    """(authward) The user's passkeys and security keys (public data only)."""
    return json_response({"securityKeys": [key_json(key) for key in await svc.list_keys(claims["sub"])]})


@router.patch("/user/webauthn/{key_id}", operation_id="renameSecurityKey", response_model=SecurityKeyInfo,
              responses=ERRORS, tags=["security"])
async def rename_security_key(key_id: str, body: RenameSecurityKeyRequest, svc: WebAuthnDep,
                              claims: Claims) -> Response:
    """(authward) Set or clear a key's nickname."""
    return json_response(key_json(await svc.rename_key(claims["sub"], key_id, body.nickname)))


@router.delete("/user/webauthn/{key_id}", operation_id="removeSecurityKey", response_model=OKResponse,
               responses=ERRORS, tags=["security"])
async def remove_security_key(key_id: str, svc: WebAuthnDep, claims: ElevatedClaims) -> Response:
    """(authward) Remove a key; refused when it is the account's last way to sign in."""
    await svc.remove_key(claims["sub"], key_id)
    return ok_response()


def key_json(key: SecurityKey) -> dict[str, Any]:
    return {
        "id": str(key.id), "credentialId": key.credential_id, "nickname": key.nickname, "transports": key.transports,
        "backedUp": key.backed_up, "createdAt": key.created_at.isoformat(),
        "lastUsedAt": key.last_used_at.isoformat() if key.last_used_at else None,
    }
