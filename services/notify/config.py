"""Settings of the notify service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_NOTIFY_*`."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_NOTIFY_")
