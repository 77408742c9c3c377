"""Settings: sections, flat and sectioned names, environment, TOML, validation messages, unknown-option warnings."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from typer.testing import CliRunner

from authward.cli.main import app
from authward.settings import (
    FLAT_NAMES,
    SECTIONS,
    JwtAlgorithm,
    Settings,
    SmsProvider,
    env_name,
    load_settings,
    masked_settings,
    unknown_option_warnings,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.upper().startswith("AUTHWARD_"):
            monkeypatch.delenv(name)


def test_defaults_match_the_documented_ones():
    s = Settings()
    assert s.server.port == 4000 and s.server.host == "127.0.0.1"
    assert s.database.url == "sqlite:///./authward.db" and s.database.is_sqlite
    assert s.tokens.access_token_expires_in == 900
    assert s.tokens.refresh_token_expires_in == 30 * 86400
    assert s.tokens.refresh_token_reuse_interval == 10
    assert s.tokens.jwt_algorithm is JwtAlgorithm.RS256
    assert s.users.allowed_roles == ["user", "me"] and s.users.default_role == "user"
    assert s.passwords.min_length == 12
    assert (s.passwords.hash_memory_kib, s.passwords.hash_time_cost, s.passwords.hash_parallelism) == (19456, 2, 1)


def test_flat_names_cover_every_section_field_exactly_once():
    fields = {(section, key) for section, model in SECTIONS.items() for key in model.model_fields}
    assert set(SECTIONS) == set(Settings.model_fields)
    assert sorted(FLAT_NAMES.values()) == sorted(fields)  # a bijection: no field without a flat name, none twice
    assert not set(FLAT_NAMES) & set(SECTIONS)  # a top-level key is a flat name or a section, never both


def test_environment_variables_and_csv_lists(monkeypatch):
    monkeypatch.setenv("AUTHWARD_PORT", "4100")
    monkeypatch.setenv("AUTHWARD_ALLOWED_ROLES", "user, me ,editor")
    monkeypatch.setenv("AUTHWARD_JWT_ALGORITHM", "ES256")
    s = Settings()
    assert s.server.port == 4100
    assert s.users.allowed_roles == ["user", "me", "editor"]
    assert s.tokens.jwt_algorithm is JwtAlgorithm.ES256


@pytest.mark.parametrize("flat,value,section,key,expected", [
    ("DATABASE_URL", "postgresql://db/a", "database", "url", "postgresql://db/a"),
    ("PASSWORD_MIN_LENGTH", "20", "passwords", "min_length", 20),
    ("MFA_ENABLED", "false", "mfa", "enabled", False),
    ("SMS_OTP_MAX_ATTEMPTS", "7", "sms", "otp_max_attempts", 7),
    ("TWILIO_BASE_URL", "http://127.0.0.1:9", "sms", "twilio_base_url", "http://127.0.0.1:9"),
    ("ANONYMOUS_USERS_MAX_AGE", "0", "anonymous", "max_age", 0),
    ("EMAIL_OTP_ENABLED", "0", "email", "otp_enabled", False),
    ("DISABLE_AUTO_SIGNUP", "true", "users", "disable_auto_signup", True),
    ("KEY_CACHE_SECONDS", "5", "tokens", "key_cache_seconds", 5),
])
def test_flat_and_sectioned_environment_names(monkeypatch, flat, value, section, key, expected):
    monkeypatch.setenv(f"AUTHWARD_{flat}", value)
    assert getattr(getattr(Settings(), section), key) == expected
    assert env_name(section, key) == f"AUTHWARD_{flat}"
    monkeypatch.delenv(f"AUTHWARD_{flat}")
    monkeypatch.setenv(f"AUTHWARD_{section.upper()}__{key.upper()}", value)
    assert getattr(getattr(Settings(), section), key) == expected


def test_sectioned_environment_name_wins_over_the_flat_one(monkeypatch):
    monkeypatch.setenv("AUTHWARD_PORT", "4100")
    monkeypatch.setenv("AUTHWARD_SERVER__PORT", "4200")
    assert Settings().server.port == 4200


def test_flat_and_section_keywords(monkeypatch):
    monkeypatch.setenv("AUTHWARD_PORT", "4100")
    s = Settings(port=4300, password_hash_time_cost=1, sms={"otp_max_attempts": 3}, DATABASE_URL="postgres://x/y")
    assert s.server.port == 4300  # keywords win over the environment
    assert s.passwords.hash_time_cost == 1 and s.sms.otp_max_attempts == 3
    assert s.database.url == "postgres://x/y" and not s.database.is_sqlite
    assert Settings(server={"port": 1234}).server.port == 1234
    assert Settings.model_validate({"port": 1235, "server": {"host": "0.0.0.0"}}).server.port == 1235


def test_cross_field_checks_still_apply():
    users = Settings(default_role="editor", allowed_roles="user", default_locale="de").users
    assert users.allowed_roles == ["editor", "user"] and users.allowed_locales == ["de", "en", "fr"]
    with pytest.raises(ValidationError, match="TWILIO_ACCOUNT_SID") as caught:
        Settings(sms_provider="twilio")
    assert caught.value.errors()[0]["loc"] == ()  # as before sections: the CLI prints the message as it was
    assert Settings(sms={"provider": "webhook", "webhook_url": "https://h", "webhook_secret": "s"}).sms.provider \
        is SmsProvider.WEBHOOK


def test_errors_are_located_at_the_flat_name():
    with pytest.raises(ValidationError) as caught:
        Settings(tokens={"access_token_expires_in": "soon"}, password_min_length=0)
    assert sorted(error["loc"] for error in caught.value.errors()) == [
        ("access_token_expires_in",), ("password_min_length",)
    ]


def test_unknown_variable_names_the_closest_known_one():
    messages = unknown_option_warnings({"AUTHWARD_ACESS_TOKEN_EXPIRES_IN": "5", "AUTHWARD_URL": "x", "OTHER": "1"})
    assert messages == [
        "unknown option AUTHWARD_ACESS_TOKEN_EXPIRES_IN is ignored; did you mean AUTHWARD_ACCESS_TOKEN_EXPIRES_IN?"
    ]


def test_unknown_sectioned_variable_and_toml_keys():
    known = {"AUTHWARD_PORT": "1", "AUTHWARD_SERVER__PORT": "1", "AUTHWARD_PASSWORDS__MIN_LENGTH": "1"}
    assert unknown_option_warnings(known, ["server", "server.port", "sms", "sms.provider", "database_url"]) == []
    assert unknown_option_warnings({"AUTHWARD_SERVER__PROT": "1"}, ["server.prot", "sms.sms_provider"]) == [
        "unknown option AUTHWARD_SERVER__PROT is ignored; did you mean AUTHWARD_SERVER__PORT?",
        "unknown option server.prot is ignored; did you mean server.port?",
        "unknown option sms.sms_provider is ignored; did you mean sms.provider?",
    ]


def test_toml_config_file(tmp_path, monkeypatch):
    config = tmp_path / "authward.toml"
    config.write_text('port = 4321\nallowed_roles = ["user", "me", "staff"]\nprot = 1\n')
    with pytest.warns(UserWarning, match="unknown option prot is ignored; did you mean port"):
        s = load_settings(config)
    assert s.server.port == 4321
    assert s.users.allowed_roles == ["user", "me", "staff"]


def test_toml_sections_and_flat_keys(tmp_path, recwarn):
    config = tmp_path / "authward.toml"
    config.write_text(
        'password_min_length = 20\nport = 1\n'
        '[server]\nport = 4321\npublic_url = "https://auth.example.com/"\n'
        '[sms]\nprovider = "webhook"\nwebhook_url = "https://hooks.example.com"\nwebhook_secret = "s"\n'
    )
    s = load_settings(config)
    assert [str(w.message) for w in recwarn] == []
    assert s.server.port == 4321  # the sectioned key wins over the flat one in the same file
    assert s.server.public_url == "https://auth.example.com" and s.passwords.min_length == 20
    assert s.sms.provider is SmsProvider.WEBHOOK
    assert load_settings(config, port=4000, server={"workers": 2}).server.port == 4000  # keywords win over the file
    config.write_text("[passwords]\nmin_lenght = 3\n")
    with pytest.warns(UserWarning, match="unknown option passwords.min_lenght is ignored; did you mean passwords.min_length"):
        assert load_settings(config).passwords.min_length == 12


def test_environment_wins_over_toml(tmp_path, monkeypatch):
    config = tmp_path / "authward.toml"
    config.write_text("[server]\nport = 4321\n")
    monkeypatch.setenv("AUTHWARD_PORT", "4999")
    assert load_settings(config).server.port == 4999


def test_every_secret_is_masked():
    secrets = {name for name, (section, key) in FLAT_NAMES.items()
               if "SecretStr" in str(SECTIONS[section].model_fields[key].annotation)}
    assert secrets == {"secret_key", "admin_secret", "twilio_auth_token", "sms_webhook_secret", "smtp_password",
                       "captcha_secret"}
    s = Settings(**{name: f"value-of-{name}" for name in secrets})
    data = masked_settings(s)
    for name in secrets:
        section, key = FLAT_NAMES[name]
        assert isinstance(getattr(getattr(s, section), key), SecretStr)
        assert data[section][key] == "********"
    assert "value-of-" not in json.dumps(data)
    assert data["database"]["url"] == "sqlite:///./authward.db" and data["server"]["data_dir"] == ".authward"


def test_cli_config_prints_effective_settings_by_section_masked(monkeypatch):
    monkeypatch.setenv("AUTHWARD_ADMIN_SECRET", "super-secret-admin")
    monkeypatch.setenv("AUTHWARD_PORT", "4242")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == set(SECTIONS)
    assert data["server"]["port"] == 4242
    assert data["server"]["admin_secret"] == "********"
    assert "super-secret-admin" not in result.output


@pytest.mark.parametrize("name", ["AUTHWARD_ACCESS_TOKEN_EXPIRES_IN", "AUTHWARD_TOKENS__ACCESS_TOKEN_EXPIRES_IN"])
def test_cli_malformed_value_fails_naming_the_option(monkeypatch, name):
    monkeypatch.setenv(name, "soon")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 2
    assert "AUTHWARD_ACCESS_TOKEN_EXPIRES_IN" in result.output


def test_cli_unknown_variable_warns_but_runs(monkeypatch):
    monkeypatch.setenv("AUTHWARD_DATABSE_URL", "sqlite:///x.db")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 0
    assert "AUTHWARD_DATABASE_URL" in result.output


@pytest.mark.parametrize("name,value", [("AUTHWARD_PUBLIC_URL", "ftp://x"), ("AUTHWARD_DATABASE_URL", "mysql://x"),
                                         ("AUTHWARD_JWT_ALGORITHM", "HS256"), ("AUTHWARD_PORT", "70000"),
                                         ("AUTHWARD_SERVER__PORT", "70000")])
def test_invalid_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        Settings()


def test_sections_are_plain_models():
    assert all(issubclass(model, BaseModel) for model in SECTIONS.values())
    assert list(SECTIONS) == ["server", "database", "tokens", "users", "passwords", "mfa", "sms", "anonymous", "email",
                             "oauth", "pages", "auth0", "webauthn", "redis", "ratelimit", "security", "providers",
                             "audit", "webhooks", "notify", "captcha"]
