"""The email defaults: verification required (as Nhost), mail kept in the dev outbox without SMTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from authward.delivery.email import OutboxMailer, SmtpMailer, build_mailer
from authward.settings import Settings, SmtpSecurity, UserSettings


def test_embedded_defaults(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", _env_file=None)
    assert UserSettings.model_fields["email_verification_required"].default is True
    assert settings.email.smtp_host is None and isinstance(build_mailer(settings), OutboxMailer)
    assert settings.email.smtp_secure is SmtpSecurity.STARTTLS and settings.email.verify_confirm_page is False
    assert settings.email.otp_expires_in <= 600


def test_smtp_settings(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", smtp_host="smtp.example.com", smtp_port=465,
                        smtp_secure="tls", smtp_password="s3cret")
    assert isinstance(build_mailer(settings), SmtpMailer)
    with pytest.raises(ValidationError):
        Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", smtp_secure="ssl")
