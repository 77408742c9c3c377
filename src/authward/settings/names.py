"""Option names: the AUTHWARD_ prefix, every option's flat name and where it lives.

Kept apart from the section models so that the sources, the error messages and the warnings share one table
without importing each other. Nothing here needs pydantic.
"""

from __future__ import annotations

ENV_PREFIX = "AUTHWARD_"
NESTED_DELIMITER = "__"
# Variables read by the client and the CLI, not by the server: never reported as unknown.
CLIENT_ENV_VARS = frozenset({"AUTHWARD_URL", "AUTHWARD_CONFIG", "AUTHWARD_SESSION_FILE"})

# Every option's flat name (AUTHWARD_<NAME>, a top-level TOML key, a keyword of Settings) -> (section, key).
# Inside a section the key drops the section's prefix (password_, sms_, email_, mfa_, anonymous_users_,
# database_, oauth_, pages_).
FLAT_NAMES: dict[str, tuple[str, str]] = {
    "host": ("server", "host"),
    "port": ("server", "port"),
    "workers": ("server", "workers"),
    "public_url": ("server", "public_url"),
    "client_url": ("server", "client_url"),
    "allowed_redirect_urls": ("server", "allowed_redirect_urls"),
    "data_dir": ("server", "data_dir"),
    "secret_key": ("server", "secret_key"),
    "admin_secret": ("server", "admin_secret"),
    "max_body_bytes": ("server", "max_body_bytes"),
    "log_level": ("server", "log_level"),
    "dev_mode": ("server", "dev_mode"),
    "database_url": ("database", "url"),
    "access_token_expires_in": ("tokens", "access_token_expires_in"),
    "refresh_token_expires_in": ("tokens", "refresh_token_expires_in"),
    "refresh_token_absolute_lifetime": ("tokens", "refresh_token_absolute_lifetime"),
    "refresh_token_reuse_interval": ("tokens", "refresh_token_reuse_interval"),
    "jwt_algorithm": ("tokens", "jwt_algorithm"),
    "jwt_claims_namespace": ("tokens", "jwt_claims_namespace"),
    "key_cache_seconds": ("tokens", "key_cache_seconds"),
    "default_role": ("users", "default_role"),
    "allowed_roles": ("users", "allowed_roles"),
    "default_locale": ("users", "default_locale"),
    "allowed_locales": ("users", "allowed_locales"),
    "disable_signup": ("users", "disable_signup"),
    "disable_new_users": ("users", "disable_new_users"),
    "disable_auto_signup": ("users", "disable_auto_signup"),
    "email_verification_required": ("users", "email_verification_required"),
    "password_min_length": ("passwords", "min_length"),
    "password_max_length": ("passwords", "max_length"),
    "password_hash_time_cost": ("passwords", "hash_time_cost"),
    "password_hash_memory_kib": ("passwords", "hash_memory_kib"),
    "password_hash_parallelism": ("passwords", "hash_parallelism"),
    "mfa_enabled": ("mfa", "enabled"),
    "mfa_totp_issuer": ("mfa", "totp_issuer"),
    "elevation_max_age": ("mfa", "elevation_max_age"),
    "require_elevated_claim": ("mfa", "require_elevated_claim"),
    "sms_passwordless_enabled": ("sms", "passwordless_enabled"),
    "sms_provider": ("sms", "provider"),
    "sms_default_region": ("sms", "default_region"),
    "sms_otp_expires_in": ("sms", "otp_expires_in"),
    "sms_otp_max_attempts": ("sms", "otp_max_attempts"),
    "sms_otp_resend_interval": ("sms", "otp_resend_interval"),
    "sms_otp_max_per_hour": ("sms", "otp_max_per_hour"),
    "sms_message_template": ("sms", "message_template"),
    "sms_timeout_seconds": ("sms", "timeout_seconds"),
    "twilio_account_sid": ("sms", "twilio_account_sid"),
    "twilio_auth_token": ("sms", "twilio_auth_token"),
    "twilio_from": ("sms", "twilio_from"),
    "twilio_messaging_service_sid": ("sms", "twilio_messaging_service_sid"),
    "twilio_base_url": ("sms", "twilio_base_url"),
    "sms_webhook_url": ("sms", "webhook_url"),
    "sms_webhook_secret": ("sms", "webhook_secret"),
    "anonymous_users_enabled": ("anonymous", "enabled"),
    "anonymous_users_max_age": ("anonymous", "max_age"),
    "smtp_host": ("email", "smtp_host"),
    "smtp_port": ("email", "smtp_port"),
    "smtp_user": ("email", "smtp_user"),
    "smtp_password": ("email", "smtp_password"),
    "smtp_sender": ("email", "smtp_sender"),
    "smtp_secure": ("email", "smtp_secure"),
    "smtp_timeout_seconds": ("email", "smtp_timeout_seconds"),
    "email_send_wait_ms": ("email", "send_wait_ms"),
    "email_max_attempts": ("email", "max_attempts"),
    "email_retry_base_seconds": ("email", "retry_base_seconds"),
    "email_templates_dir": ("email", "templates_dir"),
    "email_passwordless_enabled": ("email", "passwordless_enabled"),
    "email_otp_enabled": ("email", "otp_enabled"),
    "email_verification_expires_in": ("email", "verification_expires_in"),
    "email_link_expires_in": ("email", "link_expires_in"),
    "email_otp_expires_in": ("email", "otp_expires_in"),
    "email_otp_max_attempts": ("email", "otp_max_attempts"),
    "email_otp_max_per_hour": ("email", "otp_max_per_hour"),
    "verify_confirm_page": ("email", "verify_confirm_page"),
    "cors_origins": ("server", "cors_origins"),
    "cors_allow_credentials": ("server", "cors_allow_credentials"),
    "oauth_enabled": ("oauth", "enabled"),
    "issuer": ("oauth", "issuer"),
    "oauth_login_url": ("oauth", "login_url"),
    "oauth_code_expires_in": ("oauth", "code_expires_in"),
    "oauth_request_expires_in": ("oauth", "request_expires_in"),
    "oauth_id_token_expires_in": ("oauth", "id_token_expires_in"),
    "pages_app_name": ("pages", "app_name"),
    "pages_logo_url": ("pages", "logo_url"),
    "pages_primary_color": ("pages", "primary_color"),
}
FLAT_NAME_AT = {location: flat for flat, location in FLAT_NAMES.items()}  # (section, key) -> flat name


def env_name(section: str, key: str) -> str:
    """The documented environment variable of an option: env_name("passwords", "min_length")."""
    return ENV_PREFIX + FLAT_NAME_AT[(section, key)].upper()
