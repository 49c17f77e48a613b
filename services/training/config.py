"""Settings of the training service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_TRAINING_*`."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

_SUBJECT = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def _request_subject(value: str) -> str:
    if not _SUBJECT.match(value):
        raise ValueError("is not a NATS subject: dot-separated tokens of letters, digits, _ and -, no wildcards")
    if value == "collab" or value.startswith("collab."):
        # The streams capture collab.>: requests there would be stored as events.
        raise ValueError("must not start with collab. (the streams would store every request)")
    return value


def _uri(value: str) -> str:
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        raise ValueError("is not a URI, e.g. https://kakehashi.example.go.th/issuer or urn:collab:issuer:kakehashi")
    return value


class TrainingSettings(ServiceSettings):
    """Who issues the learners' credentials, and where they can be fetched."""

    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_TRAINING_")

    issuer_id: Annotated[str, AfterValidator(_uri)] = Field(
        "urn:collab:issuer:kakehashi", description="The Open Badges issuer id (a URI) on every credential."
    )
    issuer_name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        "Thailand–Mie Industrial Collaboration Programme", description="The issuer's name on every credential."
    )
    issuer_url: Annotated[str, AfterValidator(_uri)] | None = Field(
        None, description="The issuer's web site, shown on credentials when set."
    )
    credentials_subject: Annotated[str, AfterValidator(_request_subject)] = Field(
        "kakehashi.api.training.credentials",
        description="NATS request-reply subject where a learner's credentials are fetched (not under collab.).",
    )
