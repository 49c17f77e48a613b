"""The notify settings: channels switch on with their configuration, secrets never echo back."""

from __future__ import annotations

import pytest

from services.notify.config import NotifySettings
from shared.settings import ConfigError, load_settings


def test_email_and_line_are_on_only_when_configured_and_webhooks_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAKEHASHI_NOTIFY_SMTP_HOST", raising=False)
    monkeypatch.delenv("KAKEHASHI_NOTIFY_LINE_CHANNEL_TOKEN", raising=False)
    assert NotifySettings.model_validate({}).enabled_channels() == {"webhook"}
    configured = NotifySettings.model_validate({"smtp_host": "mail.example", "line_channel_token": "token"})
    assert configured.enabled_channels() == {"email", "line", "webhook"}


def test_webhook_secrets_are_read_as_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_NOTIFY_WEBHOOK_SECRETS", '{"th-dip": "s3cret-th", "jp-mie": "s3cret-jp"}')
    monkeypatch.setenv("KAKEHASHI_NOTIFY_DIGEST_AT", "07:30")
    settings = load_settings(NotifySettings)
    assert {agency: secret.get_secret_value() for agency, secret in settings.webhook_secrets.items()} == {
        "th-dip": "s3cret-th",
        "jp-mie": "s3cret-jp",
    }
    assert settings.digest_at.isoformat() == "07:30:00"
    assert "s3cret" not in repr(settings)


def test_malformed_secrets_are_refused_without_showing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_NOTIFY_WEBHOOK_SECRETS", "th-dip=s3cret")
    monkeypatch.setenv("KAKEHASHI_NOTIFY_SMTP_SECURITY", "ssl")
    with pytest.raises(ConfigError) as refused:
        load_settings(NotifySettings)
    message = str(refused.value)
    assert "KAKEHASHI_NOTIFY_WEBHOOK_SECRETS: expected JSON" in message
    assert "KAKEHASHI_NOTIFY_SMTP_SECURITY" in message
    assert "s3cret" not in message


def test_an_empty_variable_means_unset_as_compose_passes_optional_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "LINE_CHANNEL_TOKEN", "WEBHOOK_SECRETS"):
        monkeypatch.setenv(f"KAKEHASHI_NOTIFY_{name}", "")
    monkeypatch.setenv("KAKEHASHI_NOTIFY_SMTP_PORT", "")
    settings = load_settings(NotifySettings)
    assert settings.enabled_channels() == {"webhook"}, "an empty token does not switch LINE on"
    assert (settings.smtp_username, settings.smtp_password, settings.smtp_port) == (None, None, 587)
    assert settings.webhook_secrets == {}
