"""The services the hosted pages call, as FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from authward.api.deps import get_core, provide
from authward.methods.password.reset import PasswordResetService
from authward.methods.password.service import PasswordService
from authward.methods.totp.service import TotpService
from authward.methods.webauthn.service import WebAuthnService
from authward.services.core import Core
from authward.services.oauth.authorization import AuthorizationService
from authward.services.oauth.clients import ClientRegistry
from authward.services.oauth.consents import ConsentService

CoreDep = Annotated[Core, Depends(get_core)]
AuthorizationDep = Annotated[AuthorizationService, Depends(provide(AuthorizationService))]
PasswordsDep = Annotated[PasswordService, Depends(provide(PasswordService))]
ResetDep = Annotated[PasswordResetService, Depends(provide(PasswordResetService))]
TotpDep = Annotated[TotpService, Depends(provide(TotpService))]
ClientsDep = Annotated[ClientRegistry, Depends(provide(ClientRegistry))]
ConsentsDep = Annotated[ConsentService, Depends(provide(ConsentService))]
WebAuthnDep = Annotated[WebAuthnService, Depends(provide(WebAuthnService))]
