"""Settings of the events service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_EVENTS_*`."""

from pydantic import Field, NonNegativeFloat, PositiveFloat
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_EVENTS_")

    timer_interval: PositiveFloat = Field(
        10.0,
        description="Seconds between two rounds of the timer: expiring unanswered meeting requests, "
        "then scheduling the sessions whose meetings changed.",
    )
    request_ttl_hours: PositiveFloat = Field(
        72.0,
        description="How long a meeting request waits for an answer when it names no respond_by "
        "(never past the session's first slot).",
    )
    schedule_lead_minutes: NonNegativeFloat = Field(
        30.0,
        description="Slots starting sooner than this are frozen: no meeting is added to, moved in or out of them.",
    )
    solver_effort: PositiveFloat = Field(
        5.0,
        description="The scheduler's budget per solver phase, in CP-SAT deterministic seconds (machine-independent, "
        "so a schedule is reproducible).",
    )
