"""What the rules need to know about an event, its meeting grid, and the rules about registering and checking in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.events.domain import Refused
from services.events.domain.waitlist import Place

MATCHING_SESSION = "business_matching_session"


@dataclass(frozen=True, slots=True)
class Grid:
    """A business-matching session's timetable: `slots` consecutive slots of `tables` tables each."""

    first_slot_starts_at: datetime
    slot_minutes: int
    break_minutes: int
    slots: int
    tables: int
    interpreters: int

    def slot_time(self, slot: int) -> tuple[datetime, datetime]:
        """When slot `slot` (from 0) starts and ends."""
        starts = self.first_slot_starts_at + timedelta(minutes=slot * (self.slot_minutes + self.break_minutes))
        return starts, starts + timedelta(minutes=self.slot_minutes)

    def open_slots(self, now: datetime, lead: timedelta) -> frozenset[int]:
        """Slots that may still change: those starting at least `lead` from now."""
        return frozenset(slot for slot in range(self.slots) if self.slot_time(slot)[0] >= now + lead)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """An event as the rules see it."""

    event_id: str
    agency: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    attendees_per_registration: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    grid: Grid | None

    @property
    def is_matching_session(self) -> bool:
        return self.kind == MATCHING_SESSION


def check_update(facts: EventFacts, *, agency: str, kind: str) -> None:
    """Only the agency that published an event may change it, and its kind stays."""
    if agency != facts.agency:
        raise Refused(
            f"Event {facts.event_id} was published by {facts.agency}; only that agency may change it.",
            ("event_id", f"belongs to {facts.agency}"),
        )
    if kind != facts.kind:
        raise Refused(
            f"Event {facts.event_id} is a {facts.kind}; its kind cannot change. Publish a new event instead.",
            ("kind", f"must stay {facts.kind}"),
        )


def check_fields(fields: tuple[str, ...], known: frozenset[str]) -> None:
    unknown = [field for field in fields if field not in known]
    if unknown:
        raise Refused(
            f"Unknown field(s) of cooperation: {', '.join(unknown)}.",
            *(
                (f"fields.{fields.index(field)}", f"{field!r} is not one of {', '.join(sorted(known))}")
                for field in unknown
            ),
        )


def check_registration(facts: EventFacts, *, submitted_at: datetime, attendees: int) -> None:
    """A registration must be submitted inside the window and bring no more people than allowed."""
    opens, closes = facts.registration_opens_at, facts.registration_closes_at
    if submitted_at < opens:
        raise Refused(
            f"Registration for {facts.event_id} opens at {utc(opens)}; this one was submitted at {utc(submitted_at)}.",
            ("submitted_at", f"before the registration window opens ({utc(opens)})"),
        )
    if submitted_at >= closes:
        raise Refused(
            f"Registration for {facts.event_id} closed at {utc(closes)}; "
            f"this one was submitted at {utc(submitted_at)}.",
            ("submitted_at", f"after the registration window closed ({utc(closes)})"),
        )
    if attendees > facts.attendees_per_registration:
        raise Refused(
            f"Event {facts.event_id} admits {facts.attendees_per_registration} attendee(s) per registration; "
            f"this one names {attendees}.",
            ("attendees", f"at most {facts.attendees_per_registration}"),
        )


def check_cancellation(facts: EventFacts, *, now: datetime) -> None:
    if now >= facts.ends_at:
        raise Refused(
            f"Event {facts.event_id} ended at {utc(facts.ends_at)}; its registrations can no longer be cancelled.",
            ("registration_id", "belongs to an event that is over"),
        )


def check_check_in(registration_id: str, status: Place | str) -> None:
    """Only a registration holding a place can be checked in (pretix refuses the scan otherwise)."""
    if status != "confirmed":
        state = "is on the waiting list" if status == "waitlisted" else "was cancelled"
        raise Refused(
            f"Registration {registration_id} {state}: it holds no place to check in.",
            ("registration_id", f"{state.removeprefix('is ').removeprefix('was ')}, not confirmed"),
        )


def check_agency(what: str, *, sender: str, allowed: set[str]) -> None:
    if sender not in allowed:
        raise Refused(
            f"{what} is handled by {' or '.join(sorted(allowed))}, not {sender}.",
            ("ce-source", f"must be {' or '.join(sorted(allowed))}"),
        )


def utc(moment: datetime) -> str:
    """A moment as agencies read it in a rejection: `2027-02-03 17:00 UTC`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
