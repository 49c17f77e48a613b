"""A probe service for the conformance suite: real runtime, real broker, a handler we can make fail."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError
from pydantic import Field
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts.base import Contract
from shared.contracts.subjects import agency_source
from shared.messaging.consumer import Subscription, on
from shared.messaging.envelope import Event, OutgoingMessage, encode
from shared.messaging.errors import PermanentError
from shared.messaging.publisher import publish
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service
from shared.settings import ServiceSettings
from shared.storage import create_engine

log = logging.getLogger(__name__)


class ProbeRecorded(Contract):
    """A test event from an agency."""

    subject = "collab.in.{agency}.probe.recorded.v1"

    probe_id: str = Field(description="Which probe.", examples=["p-1"], min_length=1)
    note: str = Field(description="Free text.", examples=["สวัสดี こんにちは hello"], max_length=1000)
    count: int = Field(description="A number.", examples=[3], ge=0)


class ProbeNoted(Contract):
    """A test event from the matching service, emitted for every probe it records."""

    subject = "collab.matching.probe.noted.v1"

    probe_id: str = Field(description="Which probe.", examples=["p-1"])


class ProbeBase(DeclarativeBase):
    pass


class Effect(ProbeBase):
    """One row per time the probe handler's work was committed: the effect we count."""

    __tablename__ = "probe_effects"

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str] = mapped_column(String(256))
    probe_id: Mapped[str] = mapped_column(String(100))


@dataclass
class Probe:
    """The handler, with failures to order: transient ones by count, permanent ones by probe id."""

    consumer: str
    emit: bool = True
    transient_failures: dict[str, int] = field(default_factory=dict)
    always_failing: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    seen: dict[str, Event[ProbeRecorded]] = field(default_factory=dict)

    async def record(self, event: Event[ProbeRecorded], tx: Transaction) -> None:
        probe_id = event.data.probe_id
        self.calls[probe_id] += 1
        if self.transient_failures.get(probe_id, 0) > 0:
            self.transient_failures[probe_id] -= 1
            raise ConnectionError(f"simulated outage while recording {probe_id}")
        if probe_id in self.always_failing:
            raise TimeoutError(f"simulated timeout recording {probe_id}")
        if probe_id in self.refused:
            raise PermanentError(f"probe {probe_id} is refused by the domain")
        tx.session.add(Effect(consumer=self.consumer, event_id=event.id, probe_id=probe_id))
        log.debug("recorded probe %s", probe_id)
        if self.emit:
            tx.emit(ProbeNoted(probe_id=probe_id), subject_id=probe_id)
        self.seen[event.id] = event


def probe_settings(nats_url: str, database_url: str, **overrides: object) -> ServiceSettings:
    values: dict[str, object] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "retry_delay": 0.05,
        "retry_max_delay": 0.5,
        "graceful_timeout": 10.0,
    }
    values.update(overrides)
    return ServiceSettings.model_validate(values)


def probe_service(
    nats_url: str,
    database_url: str,
    probe: Probe,
    *,
    service: str = "matching",
    ordered: bool = True,
    **overrides: object,
) -> Service:
    return Service(
        service,
        probe_settings(nats_url, database_url, **overrides),
        subscriptions=[Subscription("probes", (on(ProbeRecorded, probe.record),), ordered=ordered)],
    )


async def create_effects_table(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(ProbeBase.metadata.create_all)
    await engine.dispose()


async def effects(service: Service, consumer: str | None = None) -> collections.Counter[str]:
    """How many times each event's effect was committed."""
    async with service.sessions() as session:
        query = select(Effect.event_id, func.count()).group_by(Effect.event_id)
        if consumer is not None:
            query = query.where(Effect.consumer == consumer)
        rows = await session.execute(query)
        return collections.Counter(dict(rows.tuples().all()))


async def committed_order(service: Service, consumer: str | None = None) -> list[str]:
    """The probe ids whose effects were committed, in the order they were inserted."""
    async with service.sessions() as session:
        query = select(Effect.probe_id).order_by(Effect.id)
        if consumer is not None:
            query = query.where(Effect.consumer == consumer)
        return list((await session.scalars(query)).all())


def probe_event(
    probe_id: str, *, agency: str = "th-dip", note: str = "hello", count: int = 1, event_id: str | None = None
) -> OutgoingMessage:
    return encode(
        ProbeRecorded(probe_id=probe_id, note=note, count=count),
        source=agency_source(agency),
        agency=agency,
        subject_id=probe_id,
        event_id=event_id,
    )


def with_headers(message: OutgoingMessage, **headers: str | None) -> OutgoingMessage:
    """The message with headers replaced (underscores in names become hyphens) or removed (None)."""
    merged = dict(message.headers)
    for name, value in headers.items():
        header = name.replace("_", "-")
        if value is None:
            merged.pop(header, None)
        else:
            merged[header] = value
    return replace(message, headers=merged)


async def stored(js: JetStreamContext, stream: str, subject: str = ">") -> list[RawStreamMsg]:
    """Every message a stream holds on `subject`, oldest first."""
    messages: list[RawStreamMsg] = []
    sequence = 1
    while True:
        try:
            message = await js.get_msg(stream, seq=sequence, subject=subject, next=True)
        except NotFoundError:
            return messages
        messages.append(message)
        assert message.seq is not None
        sequence = message.seq + 1


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout:.0f} s")
        await asyncio.sleep(interval)


def ids(messages: Iterable[OutgoingMessage]) -> set[str]:
    return {message.id for message in messages}


@asynccontextmanager
async def running(service: Service) -> AsyncIterator[Service]:
    """The service started, and stopped gracefully afterwards."""
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def publish_in_order(js: JetStreamContext, messages: list[OutgoingMessage]) -> None:
    """Publish one at a time, each acknowledged before the next: the stream holds them in this order."""
    for message in messages:
        await publish(js, message)
