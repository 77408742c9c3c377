"""Settings: environment, TOML, validation messages, unknown-option warnings."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from authward.cli.main import app
from authward.settings import JwtAlgorithm, Settings, load_settings, masked_settings, unknown_option_warnings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("AUTHWARD_"):
            monkeypatch.delenv(name)


def test_defaults_match_the_documented_ones():
    s = Settings()
    assert s.port == 4000 and s.host == "127.0.0.1"
    assert s.database_url == "sqlite:///./authward.db"
    assert s.access_token_expires_in == 900
    assert s.refresh_token_expires_in == 30 * 86400
    assert s.refresh_token_reuse_interval == 10
    assert s.jwt_algorithm is JwtAlgorithm.RS256
    assert s.allowed_roles == ["user", "me"] and s.default_role == "user"
    assert s.password_min_length == 12
    assert (s.password_hash_memory_kib, s.password_hash_time_cost, s.password_hash_parallelism) == (19456, 2, 1)


def test_environment_variables_and_csv_lists(monkeypatch):
    monkeypatch.setenv("AUTHWARD_PORT", "4100")
    monkeypatch.setenv("AUTHWARD_ALLOWED_ROLES", "user, me ,editor")
    monkeypatch.setenv("AUTHWARD_JWT_ALGORITHM", "ES256")
    s = Settings()
    assert s.port == 4100
    assert s.allowed_roles == ["user", "me", "editor"]
    assert s.jwt_algorithm is JwtAlgorithm.ES256


def test_unknown_variable_names_the_closest_known_one():
    messages = unknown_option_warnings({"AUTHWARD_ACESS_TOKEN_EXPIRES_IN": "5", "AUTHWARD_URL": "x", "OTHER": "1"})
    assert messages == [
        "unknown option AUTHWARD_ACESS_TOKEN_EXPIRES_IN is ignored; did you mean AUTHWARD_ACCESS_TOKEN_EXPIRES_IN?"
    ]


def test_toml_config_file(tmp_path, monkeypatch):
    config = tmp_path / "authward.toml"
    config.write_text('port = 4321\nallowed_roles = ["user", "me", "staff"]\nprot = 1\n')
    with pytest.warns(UserWarning, match="unknown option prot is ignored; did you mean port"):
        s = load_settings(config)
    assert s.port == 4321
    assert s.allowed_roles == ["user", "me", "staff"]


def test_environment_wins_over_toml(tmp_path, monkeypatch):
    config = tmp_path / "authward.toml"
    config.write_text("port = 4321\n")
    monkeypatch.setenv("AUTHWARD_PORT", "4999")
    assert load_settings(config).port == 4999


def test_secrets_are_masked():
    data = masked_settings(Settings(secret_key="s" * 40, admin_secret="admin-secret-value"))
    assert data["secret_key"] == "********" and data["admin_secret"] == "********"


def test_cli_config_prints_effective_settings_masked(monkeypatch):
    monkeypatch.setenv("AUTHWARD_ADMIN_SECRET", "super-secret-admin")
    monkeypatch.setenv("AUTHWARD_PORT", "4242")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["port"] == 4242
    assert data["admin_secret"] == "********"
    assert "super-secret-admin" not in result.output


def test_cli_malformed_value_fails_naming_the_option(monkeypatch):
    monkeypatch.setenv("AUTHWARD_ACCESS_TOKEN_EXPIRES_IN", "soon")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 2
    assert "AUTHWARD_ACCESS_TOKEN_EXPIRES_IN" in result.output


def test_cli_unknown_variable_warns_but_runs(monkeypatch):
    monkeypatch.setenv("AUTHWARD_DATABSE_URL", "sqlite:///x.db")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 0
    assert "AUTHWARD_DATABASE_URL" in result.output


@pytest.mark.parametrize("name,value", [("AUTHWARD_PUBLIC_URL", "ftp://x"), ("AUTHWARD_DATABASE_URL", "mysql://x"),
                                         ("AUTHWARD_JWT_ALGORITHM", "HS256"), ("AUTHWARD_PORT", "70000")])
def test_invalid_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        Settings()
