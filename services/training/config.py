"""Settings of the training service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_TRAINING_*`."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class TrainingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_TRAINING_")
