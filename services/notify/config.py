"""Settings of the notify service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_NOTIFY_*`."""

from __future__ import annotations

import json
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, PositiveFloat, PositiveInt, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from shared.contracts.notify import Channel
from shared.settings import ServiceSettings

SmtpSecurity = Literal["starttls", "tls", "none"]
_MALFORMED = object()


class NotifySettings(ServiceSettings):
    """Channels, secrets (from the environment only), the dispatcher's pace and the digest's clock."""

    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_NOTIFY_")

    # e-mail
    smtp_host: str | None = Field(None, description="SMTP server; unset, e-mail is off.")
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = Field(587, description="SMTP port.")
    smtp_security: SmtpSecurity = Field(
        "starttls", description="starttls (submission, 587), tls (implicit, 465) or none (a local relay)."
    )
    smtp_username: str | None = Field(None, description="SMTP user, if the server wants a login.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_timeout: PositiveFloat = Field(30.0, description="Seconds for one SMTP conversation.")
    mail_from: str = Field("Kakehashi <noreply@kakehashi.invalid>", description="The From address of e-mails.")
    # LINE
    line_channel_token: SecretStr | None = Field(
        None, description="LINE Messaging API channel access token; unset, LINE is off."
    )
    line_api_base: str = Field("https://api.line.me", description="LINE Messaging API base URL.")
    # webhooks
    webhook_secrets: Annotated[dict[str, SecretStr], NoDecode] = Field(
        default_factory=dict,
        description='Signing secret per agency, as JSON: {"th-dip": "…", "jp-mie": "…"}.',
    )
    webhook_allow_http: bool = Field(False, description="Accept plain-http webhook URLs (local testing only).")
    http_timeout: PositiveFloat = Field(15.0, description="Seconds for one webhook or LINE request.")
    # the dispatcher
    dispatch_interval: PositiveFloat = Field(1.0, description="Seconds between looks for notifications to send.")
    dispatch_batch: Annotated[int, Field(ge=1, le=1000)] = Field(
        200, description="Notifications claimed at once; those not begun within half the lease are given back."
    )
    dispatch_concurrency: Annotated[int, Field(ge=1, le=100)] = Field(
        16, description="Sends in flight at once, and the most SMTP connections kept open."
    )
    dispatch_lease: PositiveFloat = Field(
        120.0, description="Seconds a claimed notification is reserved for one replica; longer than any send."
    )
    send_attempts: Annotated[int, Field(ge=1, le=50)] = Field(10, description="Tries before a notification fails.")
    send_retry_delay: PositiveFloat = Field(5.0, description="Seconds before the second try; it doubles.")
    send_retry_max_delay: PositiveFloat = Field(900.0, description="Longest wait between tries, in seconds.")
    # the digest and waiting messages
    digest_every: PositiveFloat = Field(86400.0, description="Seconds between bulletin digests (a day).")
    digest_at: time = Field(time(1, 0), description="Time of day (UTC) the digests are aligned on.")
    await_recipient_days: PositiveInt = Field(
        30, description="Days a message waits for its recipient's profile before it is dropped."
    )

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_json(cls, data: Any) -> Any:
        """Parse the secrets' JSON here, so that a malformed value is reported without being echoed."""
        raw = data.get("webhook_secrets") if isinstance(data, dict) else None
        if isinstance(raw, str):
            try:
                data["webhook_secrets"] = json.loads(raw) if raw.strip() else {}
            except json.JSONDecodeError:
                data["webhook_secrets"] = _MALFORMED
        return data

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _secrets_well_formed(cls, value: object) -> object:
        if value is _MALFORMED:
            raise ValueError('expected JSON such as {"th-dip": "secret", "jp-mie": "secret"} (value not shown)')
        return value

    def enabled_channels(self) -> frozenset[Channel]:
        """Channels the operator configured: e-mail needs an SMTP host, LINE a token; webhooks are always on
        (each agency's needs its secret)."""
        channels: set[Channel] = {"webhook"}
        if self.smtp_host:
            channels.add("email")
        if self.line_channel_token is not None:
            channels.add("line")
        return frozenset(channels)

    @property
    def digest_period(self) -> timedelta:
        return timedelta(seconds=self.digest_every)
