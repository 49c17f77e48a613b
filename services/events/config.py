"""Settings of the events service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_EVENTS_*`."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_EVENTS_")
