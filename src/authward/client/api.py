"""The public method table, written once for both clients.

`AuthClient` and `AsyncAuthClient` inherit these; each `operation(...)` line is a method that
blocks on the sync client and is awaitable on the async one.
"""

from __future__ import annotations

from authward.client import account as a
from authward.client import conveniences as c
from authward.client import providers as p
from authward.client import routes as r
from authward.client import webauthn as w
from authward.client.core import operation
from authward.client.state import ClientState
from authward.client.storage import SessionStorage

__all__ = ["AuthApi", "TwoFactorApi"]


class AuthApi:
    """Nhost routes (snake_case of nhost-js) and the balena/Yat conveniences."""

    state: ClientState

    @property
    def base_url(self) -> str:
        """The server root (without `/v1`)."""
        return self.state.base_url

    @property
    def storage(self) -> SessionStorage:
        return self.state.storage

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, storage={type(self.storage).__name__})"

    # Nhost Auth routes: sessions
    sign_up_email_password = operation(r.sign_up_email_password)
    sign_in_email_password = operation(r.sign_in_email_password)
    verify_sign_in_mfa_totp = operation(r.verify_sign_in_mfa_totp)
    sign_in_pat = operation(r.sign_in_pat)
    sign_in_anonymous = operation(r.sign_in_anonymous)
    sign_in_passwordless_email = operation(r.sign_in_passwordless_email)
    sign_up_passwordless_email = operation(r.sign_up_passwordless_email)
    sign_in_otp_email = operation(r.sign_in_otp_email)
    sign_up_otp_email = operation(r.sign_up_otp_email)
    verify_sign_in_otp_email = operation(r.verify_sign_in_otp_email)
    sign_up_passwordless_sms = operation(r.sign_up_passwordless_sms)
    sign_in_passwordless_sms = operation(r.sign_in_passwordless_sms)
    verify_sign_in_passwordless_sms = operation(r.verify_sign_in_passwordless_sms)
    elevate_totp = operation(r.elevate_totp)
    exchange_code = operation(r.exchange_code)
    token_exchange = operation(r.exchange_code)  # nhost-js's name
    refresh_token = operation(r.refresh_token)
    sign_out = operation(r.sign_out)
    verify_token = operation(r.verify_token)
    get_jwks = operation(r.get_jwks)
    get_version = operation(r.get_version)
    health_check = operation(r.health_check)

    # Nhost Auth routes: the signed-in account
    get_user = operation(a.get_user)
    deanonymize_user = operation(a.deanonymize_user)
    send_verification_email = operation(a.send_verification_email)
    send_password_reset_email = operation(a.send_password_reset_email)
    change_user_password = operation(a.change_user_password)
    change_user_email = operation(a.change_user_email)
    change_phone_number = operation(a.change_phone_number)
    change_user_phone_number = operation(a.change_phone_number)  # nhost-js's name
    verify_change_phone_number = operation(a.verify_change_phone_number)
    verify_change_user_phone_number = operation(a.verify_change_phone_number)  # nhost-js's name
    deanonymize_sms = operation(a.deanonymize_sms)
    deanonymize_user_sms = operation(a.deanonymize_sms)  # nhost-js's name
    verify_ticket = operation(a.verify_ticket)
    change_user_mfa = operation(a.change_user_mfa)
    verify_change_user_mfa = operation(a.verify_change_user_mfa)
    get_user_mfa = operation(a.get_user_mfa)
    disable_user_mfa = operation(a.disable_user_mfa)
    regenerate_recovery_codes = operation(a.regenerate_recovery_codes)
    create_pat = operation(a.create_pat)
    list_pats = operation(a.list_pats)
    revoke_pat = operation(a.revoke_pat)

    # Social providers and ID tokens (docs/social.md)
    get_provider_tokens = operation(p.get_provider_tokens)
    refresh_provider_token = operation(p.refresh_provider_token)
    sign_in_id_token = operation(p.sign_in_id_token)
    sign_up_id_token = operation(p.sign_up_id_token)
    link_id_token = operation(p.link_id_token)
    sign_in_refresh_token = operation(p.sign_in_refresh_token)
    list_user_providers = operation(p.list_user_providers)
    unlink_user_provider = operation(p.unlink_user_provider)

    def sign_in_provider_url(self, provider: str, options: p.Options = None, *, connect: str | None = None,
                             state: str | None = None, upstream_params: dict[str, str] | None = None) -> str:
        """The URL to open in a browser to sign in with `provider` (no request is made)."""
        return p.provider_url(self.state, provider, options, connect=connect, client_state=state,
                              upstream_params=upstream_params)

    def sign_up_provider_url(self, provider: str, options: p.Options = None, *, state: str | None = None,
                             upstream_params: dict[str, str] | None = None) -> str:
        """As `sign_in_provider_url`, for `/signup/provider/{provider}` (a new account only)."""
        return p.provider_url(self.state, provider, options, sign_up=True, client_state=state,
                              upstream_params=upstream_params)

    # WebAuthn: options out and the browser's credential in, as JSON (docs/webauthn.md)
    sign_up_webauthn = operation(w.sign_up_webauthn)
    verify_sign_up_webauthn = operation(w.verify_sign_up_webauthn)
    sign_in_webauthn = operation(w.sign_in_webauthn)
    verify_sign_in_webauthn = operation(w.verify_sign_in_webauthn)
    add_security_key = operation(w.add_security_key)
    verify_add_security_key = operation(w.verify_add_security_key)
    elevate_webauthn = operation(w.elevate_webauthn)
    verify_elevate_webauthn = operation(w.verify_elevate_webauthn)
    list_security_keys = operation(w.list_security_keys)
    rename_security_key = operation(w.rename_security_key)
    remove_security_key = operation(w.remove_security_key)

    # balena conveniences
    login = operation(r.sign_in_email_password)
    login_with_token = operation(c.login_with_token)
    logout = operation(c.logout)
    register = operation(c.register)
    whoami = operation(c.whoami)
    get_actor_id = operation(c.get_actor_id)
    get_user_info = operation(a.get_user)
    get_token = operation(c.get_token)
    is_logged_in = operation(c.is_logged_in)
    authenticate = operation(c.authenticate)
    request_verification_email = operation(c.request_verification_email)
    verify_email = operation(c.verify_email)
    follow_link = operation(c.follow_link)

    # Yat conveniences (login with an MFA answer, refresh and 2FA completion are above)
    request_magic_link = operation(r.sign_in_passwordless_email)


class TwoFactorApi:
    """balena's `auth.twoFactor`, on the Nhost TOTP routes."""

    get_setup_key = operation(c.two_factor_get_setup_key)
    enable = operation(c.two_factor_enable)
    disable = operation(c.two_factor_disable)
    verify = operation(c.two_factor_verify)
    challenge = operation(c.two_factor_challenge)
    is_enabled = operation(c.two_factor_is_enabled)
    is_passed = operation(c.two_factor_is_passed)
