"""Email templates: built-in locales, overrides from a directory, fallbacks, escaping, start-up check."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from authward.delivery.email import OutgoingEmail, build_message
from authward.delivery.templates import EmailTemplates, Template, duration_phrase

CONTEXT = {
    "link": "https://auth.example.com/verify?ticket=passwordReset:abc&redirectTo=x", "code": "042137",
    "displayName": "Ada <script>", "email": "ada@example.com", "newEmail": "ada@example.org", "ticket": "t",
    "redirectTo": "https://app.example.com", "serverUrl": "https://auth.example.com",
    "clientUrl": "https://app.example.com", "expiresIn": "1 hour", "expiresInMinutes": 60,
    "event": "password-changed",
}


def test_every_builtin_template_renders_in_english_and_french() -> None:
    templates = EmailTemplates()
    templates.check(["en", "fr"])
    for template in Template:
        en = templates.render(template, "en", CONTEXT)
        fr = templates.render(template, "fr", CONTEXT)
        assert en.subject and fr.subject and en.subject != fr.subject
        assert en.html is not None and en.html.lstrip().startswith("<!doctype html>")
        assert "\n" not in en.subject


def test_html_is_escaped_and_text_is_not() -> None:
    rendered = EmailTemplates().render(Template.PASSWORD_RESET, "en", CONTEXT)
    assert "Ada <script>" in rendered.text
    assert "<script>" not in (rendered.html or "") and "Ada &lt;script&gt;" in (rendered.html or "")
    assert 'href="https://auth.example.com/verify?ticket=passwordReset:abc&amp;redirectTo=x"' in (rendered.html or "")
    assert CONTEXT["link"] in rendered.text


def test_unknown_locale_falls_back_to_the_default_then_english() -> None:
    assert EmailTemplates(default_locale="fr").render(Template.SIGNIN_OTP, "de", CONTEXT).subject == \
        "Votre code de connexion"
    assert EmailTemplates().render(Template.SIGNIN_OTP, "de", CONTEXT).subject == "Your sign-in code"
    assert EmailTemplates().render(Template.SIGNIN_OTP, None, CONTEXT).subject == "Your sign-in code"


def test_a_custom_directory_overrides_single_files_and_adds_locales(tmp_path: Path) -> None:
    (tmp_path / "en" / "signin-otp").mkdir(parents=True)
    (tmp_path / "en" / "signin-otp" / "subject.txt").write_text("{{ code }} is your Acme code\n")
    (tmp_path / "de" / "signin-otp").mkdir(parents=True)
    (tmp_path / "de" / "signin-otp" / "subject.txt").write_text("Ihr Code")
    (tmp_path / "de" / "signin-otp" / "body.txt").write_text("Code: {{ code }}")
    templates = EmailTemplates(tmp_path)
    en = templates.render(Template.SIGNIN_OTP, "en", CONTEXT)
    assert en.subject == "042137 is your Acme code"
    assert "Your sign-in code is: 042137" in en.text  # the built-in body is kept
    de = templates.render(Template.SIGNIN_OTP, "de", CONTEXT)
    assert de.subject == "Ihr Code" and de.text == "Code: 042137\n"
    assert de.html is not None  # no German HTML: the English one
    assert templates.render(Template.PASSWORD_RESET, "de", CONTEXT).subject == "Reset your password"


def test_a_broken_custom_template_is_caught_at_start(tmp_path: Path) -> None:
    (tmp_path / "en" / "password-reset").mkdir(parents=True)
    (tmp_path / "en" / "password-reset" / "body.txt").write_text("{{ link }")
    with pytest.raises(ValueError, match="en/password-reset"):
        EmailTemplates(tmp_path).check(["en"])
    (tmp_path / "en" / "password-reset" / "body.txt").write_text("{{ no_such_variable }}")
    with pytest.raises(ValueError, match="en/password-reset"):
        EmailTemplates(tmp_path).check(["en"])


def test_templates_run_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "en" / "signin-otp").mkdir(parents=True)
    (tmp_path / "en" / "signin-otp" / "body.txt").write_text("{{ code.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(ValueError):
        EmailTemplates(tmp_path).check(["en"])


def test_duration_phrases() -> None:
    assert duration_phrase(30 * 86_400, "en") == "30 days"
    assert duration_phrase(3600, "en") == "1 hour"
    assert duration_phrase(7200, "fr") == "2 heures"
    assert duration_phrase(600, "fr") == "10 minutes"
    assert duration_phrase(90, "de") == "2 minutes"


def test_mime_message_is_multipart_and_single_line_subject() -> None:
    raw = build_message(OutgoingEmail("ada@example.com", "Hello\r\nBcc: evil@example.com", "text body", "<p>html</p>"),
                        "Acme <auth@acme.example>").as_bytes()
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Hello Bcc: evil@example.com"
    assert message["Bcc"] is None
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"].endswith("@acme.example>")


@pytest.mark.parametrize("event", ["password-changed", "password-reset", "email-changed", "mfa-enabled",
                                   "mfa-disabled", "passkey-added", "pat-created"])
def test_every_security_notice_says_what_changed_in_each_locale(event: str) -> None:
    subjects = set()
    for locale in ("en", "fr"):
        rendered = EmailTemplates().render(Template.SECURITY_NOTICE, locale, {**CONTEXT, "event": event})
        assert rendered.subject and rendered.text.count("ada@example.") >= 1
        assert rendered.html is not None and "<script>" not in rendered.html
        subjects.add(rendered.subject)
    assert len(subjects) == 2
