"""Settings of the matching service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_MATCHING_*`."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_MATCHING_")
