"""Builders for the events service's integration tests: the service, agency events, and what came out."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from nats.js import JetStreamContext
from sqlalchemy import select

from services.events.app import build
from services.events.config import EventsSettings
from services.events.store import EventsBase, MeetingRequestRow, MeetingRow, RegistrationRow
from shared.contracts.agency.event import (
    CheckInRecorded,
    EventPublished,
    MeetingRequested,
    MeetingResponseSubmitted,
    RegistrationCancellationSubmitted,
    RegistrationSubmitted,
)
from shared.contracts.base import Contract
from shared.contracts.matching import MatchConfirmed
from shared.contracts.subjects import agency_source, service_source
from shared.messaging import dlq
from shared.messaging.consumer import Route, Subscription
from shared.messaging.envelope import CE_ID, NATS_MSG_ID, Event, OutgoingMessage, encode
from shared.messaging.outbox import pending_count
from shared.messaging.publisher import publish
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service
from tests.support.probe import eventually, stored

C = TypeVar("C", bound=Contract)
M = TypeVar("M", bound=EventsBase)

NOW = datetime.now(UTC).replace(microsecond=0)
STARTS = NOW + timedelta(days=10)


def settings(nats_url: str, database_url: str, **overrides: object) -> EventsSettings:
    values: dict[str, object] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "retry_delay": 0.05,
        "retry_max_delay": 0.5,
        "graceful_timeout": 10.0,
        "timer_interval": 0.1,
        "schedule_lead_minutes": 0,
    }
    values.update(overrides)
    return EventsSettings.model_validate(values)


@asynccontextmanager
async def running(
    nats_url: str, database_url: str, *, handled: Counter[str] | None = None, **overrides: object
) -> AsyncIterator[Service]:
    """The service, started; `handled` counts the events its handlers ran for, by type."""
    service = build(settings(nats_url, database_url, **overrides))
    if handled is not None:
        service.subscriptions = tuple(_counted(subscription, handled) for subscription in service.subscriptions)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def _counted(subscription: Subscription, handled: Counter[str]) -> Subscription:
    def counting(route: Route[Any]) -> Route[Any]:
        async def handle(event: Event[Any], tx: Transaction) -> None:
            handled[event.type] += 1
            await route.handle(event, tx)

        return Route(route.contract, handle)

    return Subscription(subscription.name, tuple(counting(route) for route in subscription.routes))


def from_agency(data: Contract, agency: str = "th-dip", *, event_id: str | None = None) -> OutgoingMessage:
    return encode(data, source=agency_source(agency), agency=agency, event_id=event_id)


def from_matching(data: Contract) -> OutgoingMessage:
    return encode(data, source=service_source("matching"))


def again(message: OutgoingMessage, *, same_id: bool) -> OutgoingMessage:
    """The message sent once more: as a redelivery (same `ce-id`) or as a new event with the same content."""
    if same_id:
        # A new Nats-Msg-Id gets it past JetStream's duplicate window, as a redelivery would be.
        return replace(message, headers={**message.headers, NATS_MSG_ID: message.id + ":again"})
    new_id = message.id + ":resent"
    return replace(message, headers={**message.headers, NATS_MSG_ID: new_id, CE_ID: new_id})


async def send(js: JetStreamContext, *messages: OutgoingMessage) -> None:
    for message in messages:
        await publish(js, message)


def an_event(event_id: str = "ev-test", **changes: Any) -> EventPublished:
    values: dict[str, Any] = {
        "event_id": event_id,
        "revision": 1,
        "kind": "seminar",
        "title": {"en": "Food innovation seminar", "th": "สัมมนานวัตกรรมอาหาร", "ja": "食品イノベーションセミナー"},
        "format": "in_person",
        "venue": {"en": "Yokkaichi"},
        "timezone": "Asia/Tokyo",
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=8),
        "capacity": 2,
        "registration_opens_at": NOW - timedelta(days=1),
        "registration_closes_at": STARTS - timedelta(days=1),
        "fields": ["food_innovation"],
    }
    values.update(changes)
    return EventPublished.model_validate(values)


def a_session(
    event_id: str = "ev-session", *, slots: int = 3, tables: int = 2, interpreters: int = 1, **changes: Any
) -> EventPublished:
    grid = {
        "first_slot_starts_at": STARTS + timedelta(hours=1),
        "slot_minutes": 20,
        "break_minutes": 5,
        "slots": slots,
        "tables": tables,
        "interpreters": interpreters,
    }
    return an_event(event_id, kind="business_matching_session", capacity=50, meeting_grid=grid, **changes)


def a_registration(
    registration_id: str, company_id: str, event_id: str = "ev-test", *languages: str, **changes: Any
) -> RegistrationSubmitted:
    values: dict[str, Any] = {
        "registration_id": registration_id,
        "event_id": event_id,
        "company_id": company_id,
        "attendees": [
            {
                "name": f"Attendee of {company_id}",
                "email": f"{company_id}@example.org",
                "languages": list(languages or ("th" if company_id.startswith("th") else "ja",)),
            }
        ],
        "submitted_at": NOW,
    }
    values.update(changes)
    return RegistrationSubmitted.model_validate(values)


def a_cancellation(registration_id: str) -> RegistrationCancellationSubmitted:
    return RegistrationCancellationSubmitted(registration_id=registration_id, cancelled_at=NOW)


def a_check_in(registration_id: str, nonce: str) -> CheckInRecorded:
    return CheckInRecorded(registration_id=registration_id, nonce=nonce, checked_in_at=STARTS, device="gate-1")


def a_request(
    request_id: str, requester: str, invitee: str, event_id: str = "ev-session", **changes: Any
) -> MeetingRequested:
    values: dict[str, Any] = {
        "request_id": request_id,
        "event_id": event_id,
        "requester_company_id": requester,
        "invitee_company_id": invitee,
        "message": f"{requester} would like to meet {invitee}",
        "requested_at": NOW,
    }
    values.update(changes)
    return MeetingRequested.model_validate(values)


def an_answer(request_id: str, company_id: str, response: str = "accept") -> MeetingResponseSubmitted:
    return MeetingResponseSubmitted.model_validate(
        {"request_id": request_id, "company_id": company_id, "response": response, "responded_at": NOW}
    )


def a_match(match_id: str, a: str, b: str) -> MatchConfirmed:
    def party(company: str) -> dict[str, Any]:
        return {
            "company_id": company,
            "agency": "th-dip" if company.startswith("th") else "jp-mie",
            "name": {"en": company},
            "contact": None,
        }

    return MatchConfirmed.model_validate({"match_id": match_id, "a": party(a), "b": party(b), "confirmed_at": NOW})


async def emitted(js: JetStreamContext, contract: type[C]) -> list[C]:
    """Every event of this contract the service published, oldest first."""
    return [
        contract.model_validate_json(message.data or b"{}") for message in await stored(js, "EVENTS", contract.subject)
    ]


async def until_emitted(js: JetStreamContext, contract: type[C], count: int, *, timeout: float = 30.0) -> list[C]:
    async def enough() -> bool:
        return len(await emitted(js, contract)) >= count

    await eventually(enough, timeout=timeout, what=f"{count} {contract.__name__} event(s)")
    return await emitted(js, contract)


async def until_dead_lettered(js: JetStreamContext, count: int) -> list[dlq.DeadLetter]:
    async def enough() -> bool:
        return len(await dlq.scan(js, service="events")) >= count

    await eventually(enough, what=f"{count} dead letter(s)")
    return await dlq.scan(js, service="events")


async def relayed(service: Service) -> None:
    """Wait until everything the service committed has been published (its outbox is empty)."""

    async def empty() -> bool:
        async with service.sessions() as session:
            return await pending_count(session) == 0

    await eventually(empty, what="an empty outbox")


async def rows(service: Service, table: type[M], *where: Any) -> Sequence[M]:
    async with service.sessions() as session:
        return (await session.execute(select(table).where(*where))).scalars().all()


async def registrations(service: Service) -> dict[str, RegistrationRow]:
    return {row.registration_id: row for row in await rows(service, RegistrationRow)}


async def scheduled(service: Service, event_id: str = "ev-session") -> Sequence[MeetingRow]:
    return await rows(service, MeetingRow, MeetingRow.event_id == event_id, MeetingRow.status == "scheduled")


async def requests(service: Service) -> dict[str, MeetingRequestRow]:
    return {row.request_id: row for row in await rows(service, MeetingRequestRow)}
