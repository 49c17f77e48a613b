"""The events service's wiring: its subscriptions, its timer and the rules they share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from services.events.config import EventsSettings
from services.events.handlers import Clock, Rules, events, meetings, registrations, timers, withdrawal
from shared.contracts.agency.company import ProfileWithdrawn
from shared.contracts.agency.event import (
    CheckInRecorded,
    EventPublished,
    MeetingRequested,
    MeetingResponseSubmitted,
    RegistrationCancellationSubmitted,
    RegistrationSubmitted,
)
from shared.contracts.matching import MatchConfirmed
from shared.messaging.consumer import Subscription, on
from shared.runtime.service import Service
from shared.taxonomy import load_fields


def _now() -> datetime:
    return datetime.now(UTC)


def build(settings: EventsSettings, *, clock: Clock = _now) -> Service:
    rules = Rules(
        clock=clock,
        fields=frozenset(load_fields(settings.fields_file).ids()),
        request_ttl=timedelta(hours=settings.request_ttl_hours),
        schedule_lead=timedelta(minutes=settings.schedule_lead_minutes),
        solver_effort=settings.solver_effort,
    )
    # One subscription for everything agencies send, so that an event, its registrations and a
    # company's withdrawal are handled in the order the agencies published them.
    agencies = Subscription(
        "agencies",
        (
            on(EventPublished, partial(events.publish_event, rules=rules)),
            on(RegistrationSubmitted, partial(registrations.register, rules=rules)),
            on(RegistrationCancellationSubmitted, partial(registrations.cancel_registration, rules=rules)),
            on(CheckInRecorded, partial(registrations.check_in, rules=rules)),
            on(MeetingRequested, partial(meetings.request_meeting, rules=rules)),
            on(MeetingResponseSubmitted, partial(meetings.answer_request, rules=rules)),
            on(ProfileWithdrawn, partial(withdrawal.erase_company, rules=rules)),
        ),
    )
    matches = Subscription("matches", (on(MatchConfirmed, partial(meetings.meet_confirmed_match, rules=rules)),))

    async def keep_time(service: Service) -> None:
        await timers.keep_time(service, rules=rules, interval=settings.timer_interval)

    return Service("events", settings, subscriptions=[agencies, matches], background=[keep_time])
