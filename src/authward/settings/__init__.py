"""One settings object for the whole server, in sections: AUTHWARD_* environment variables, optionally a TOML file.

Each section is a pydantic model (`settings.passwords.min_length`) and a table of the TOML file
(`[passwords] min_length = 12`). Every option keeps its flat name, listed in FLAT_NAMES: it is the environment
variable (`AUTHWARD_PASSWORD_MIN_LENGTH`), and it also works as a top-level TOML key and as a keyword argument
(`Settings(password_min_length=8)`). `AUTHWARD_<SECTION>__<KEY>` (`AUTHWARD_PASSWORDS__MIN_LENGTH`) works too.
Precedence: keyword arguments > environment > TOML file; within one source, the sectioned form wins over the flat one.

Modules, each with one job: `names` (the flat names and the AUTHWARD_ prefix), `sections` (the section models and
their enums), `sources` (keyword, environment and TOML sources, flat names routed into sections), `root` (the
`Settings` object, its error names, `masked_settings`), `loading` (`load_settings` and unknown-option warnings).
Import from `authward.settings`, which re-exports them.
"""

from authward.settings.audit_section import AuditSettings
from authward.settings.loading import ConfigFileError, load_settings, read_toml, unknown_option_warnings
from authward.settings.names import CLIENT_ENV_VARS, ENV_PREFIX, FLAT_NAMES, NESTED_DELIMITER, env_name
from authward.settings.protection_sections import (
    CaptchaProvider,
    CaptchaSettings,
    NotifySettings,
    RateLimitSettings,
    RedisSettings,
    SecuritySettings,
)
from authward.settings.provider_sections import (
    Auth0Settings,
    OAuthSettings,
    PagesSettings,
    WebAuthnAttestation,
    WebAuthnSettings,
    WebAuthnUserVerification,
)
from authward.settings.root import MASK, Settings, masked_settings
from authward.settings.section_base import CsvList
from authward.settings.sections import (
    SECTIONS,
    AnonymousSettings,
    DatabaseSettings,
    EmailSettings,
    JwtAlgorithm,
    MfaSettings,
    PasswordSettings,
    ServerSettings,
    SmsProvider,
    SmsSettings,
    SmtpSecurity,
    SqliteSynchronous,
    TokenSettings,
    UserSettings,
    WebhookSettings,
)

__all__ = [
    "CLIENT_ENV_VARS",
    "ENV_PREFIX",
    "FLAT_NAMES",
    "MASK",
    "NESTED_DELIMITER",
    "SECTIONS",
    "AnonymousSettings",
    "AuditSettings",
    "Auth0Settings",
    "CaptchaProvider",
    "CaptchaSettings",
    "ConfigFileError",
    "CsvList",
    "DatabaseSettings",
    "EmailSettings",
    "JwtAlgorithm",
    "MfaSettings",
    "NotifySettings",
    "OAuthSettings",
    "PagesSettings",
    "PasswordSettings",
    "RateLimitSettings",
    "RedisSettings",
    "SecuritySettings",
    "ServerSettings",
    "Settings",
    "SmsProvider",
    "SmsSettings",
    "SmtpSecurity",
    "SqliteSynchronous",
    "TokenSettings",
    "UserSettings",
    "WebAuthnAttestation",
    "WebAuthnSettings",
    "WebAuthnUserVerification",
    "WebhookSettings",
    "env_name",
    "load_settings",
    "masked_settings",
    "read_toml",
    "unknown_option_warnings",
]
