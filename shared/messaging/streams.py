"""The JetStream streams of DESIGN.md, provisioned idempotently and never silently rewritten."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contracts.subjects import SERVICES

_DAY = 24 * 3600.0
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A stream as Kakehashi needs it."""

    name: str
    subjects: tuple[str, ...]
    description: str
    max_age_days: float = 30
    max_msg_size: int = MIB // 2
    duplicate_window: float = 120.0

    def config(self, replicas: int) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            description=self.description,
            subjects=list(self.subjects),
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age_days * _DAY,
            max_msg_size=self.max_msg_size,
            duplicate_window=self.duplicate_window,
            num_replicas=replicas,
            allow_direct=True,
            # The outbox relays publish a batch of rows as one atomic batch: one write for all of them.
            allow_atomic=True,
        )


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("COLLAB_IN", ("collab.in.>",), "Events published by agencies (collab.in.<agency>.…)"),
    *(
        StreamSpec(service.upper(), (f"collab.{service}.>",), f"Events published by the {service} service")
        for service in SERVICES
    ),
    StreamSpec("COLLAB_OUT", ("collab.out.>",), "Events for agencies, above all rejections (collab.out.<agency>.…)"),
    # A dead letter keeps the original body, so it must fit the largest stream's messages.
    StreamSpec(
        "DLQ",
        ("collab.dlq.>",),
        "Events no consumer could process (collab.dlq.<service>)",
        max_age_days=90,
        max_msg_size=MIB,
    ),
)


def stream_for(subject: str) -> str:
    """The stream that stores a concrete subject or filter."""
    parts = subject.split(".")
    if len(parts) >= 2 and parts[0] == "collab":
        if parts[1] == "in":
            return "COLLAB_IN"
        if parts[1] == "out":
            return "COLLAB_OUT"
        if parts[1] == "dlq":
            return "DLQ"
        if parts[1] in SERVICES:
            return parts[1].upper()
    raise ValueError(f"no Kakehashi stream stores {subject!r}")


# Settings whose difference breaks the system (events would be stored elsewhere, or consumed
# away) versus settings an operator may tune on purpose (retention time, replicas, limits).
_ESSENTIAL = ("subjects", "storage", "retention")
_TUNABLE = ("max_age", "max_msg_size", "duplicate_window", "num_replicas", "discard", "allow_atomic")

Outcome = Literal["created", "unchanged", "tuned", "incompatible", "updated"]


@dataclass(frozen=True, slots=True)
class Difference:
    setting: str
    live: Any
    wanted: Any
    essential: bool


@dataclass(frozen=True, slots=True)
class StreamReport:
    name: str
    outcome: Outcome
    differences: tuple[Difference, ...] = field(default=())


def _normalised(config: StreamConfig, setting: str) -> Any:
    value = getattr(config, setting)
    if setting == "subjects":
        return sorted(value or [])
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, float):
        return round(value, 3)
    return value


def differences(live: StreamConfig, wanted: StreamConfig) -> tuple[Difference, ...]:
    found = []
    for setting in (*_ESSENTIAL, *_TUNABLE):
        have, want = _normalised(live, setting), _normalised(wanted, setting)
        if have != want:
            found.append(Difference(setting, have, want, essential=setting in _ESSENTIAL))
    return tuple(found)


async def apply_streams(
    js: JetStreamContext, *, replicas: int = 1, update: bool = False, specs: tuple[StreamSpec, ...] = STREAMS
) -> list[StreamReport]:
    """Create missing streams; report how live ones differ; change them only when `update` is asked for.

    Storage type cannot be changed on a live stream; NATS refuses that update and the error is raised.
    """
    reports = []
    for spec in specs:
        wanted = spec.config(replicas)
        try:
            info = await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(wanted)
            reports.append(StreamReport(spec.name, "created"))
            continue
        found = differences(info.config, wanted)
        if not found:
            reports.append(StreamReport(spec.name, "unchanged"))
        elif update:
            await js.update_stream(wanted)
            reports.append(StreamReport(spec.name, "updated", found))
        else:
            essential = any(difference.essential for difference in found)
            reports.append(StreamReport(spec.name, "incompatible" if essential else "tuned", found))
    return reports
