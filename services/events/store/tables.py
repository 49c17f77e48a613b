"""The events service's tables: events, registrations, check-ins, meeting requests, meetings, seats, matches.

Personal data lives in two columns only, `registrations.attendees` and `meeting_requests.message`,
plus the company ids that identify a registrant; a withdrawal erases all of them (`erased_at`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.events.domain.sessions import EventFacts, Grid
from shared.storage.types import UTCDateTime

ACTIVE_REGISTRATION = "status IN ('confirmed', 'waitlisted')"
ACTIVE_REQUEST = "status IN ('pending', 'accepted')"
SCHEDULED = "status = 'scheduled'"


class EventsBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class EventRow(EventsBase):
    """An event as last published (highest revision), plus the service's bookkeeping for it.

    Every change to an event's registrations, requests or meetings first locks this row
    (`SELECT … FOR UPDATE` on PostgreSQL; SQLite serialises all writers), so that two replicas
    never promote, schedule or count places from the same stale state.
    """

    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[dict[str, Any]]
    description: Mapped[dict[str, Any] | None]
    format: Mapped[str] = mapped_column(String(16))
    venue: Mapped[dict[str, Any] | None]
    online_url: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int]
    attendees_per_registration: Mapped[int]
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fields: Mapped[list[str]]
    grid_first_slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grid_slot_minutes: Mapped[int | None]
    grid_break_minutes: Mapped[int | None]
    grid_slots: Mapped[int | None]
    grid_tables: Mapped[int | None]
    grid_interpreters: Mapped[int | None]
    sequence: Mapped[int] = mapped_column(default=0)
    """A counter drawn under the row lock: the waiting list's order and the order of accepted requests."""
    schedule_due: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    """Something changed that the meeting scheduler has not seen yet."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def facts(self) -> EventFacts:
        grid = None
        if self.grid_first_slot_at is not None:
            assert self.grid_slot_minutes is not None
            assert self.grid_break_minutes is not None
            assert self.grid_slots is not None
            assert self.grid_tables is not None
            assert self.grid_interpreters is not None
            grid = Grid(
                first_slot_starts_at=self.grid_first_slot_at,
                slot_minutes=self.grid_slot_minutes,
                break_minutes=self.grid_break_minutes,
                slots=self.grid_slots,
                tables=self.grid_tables,
                interpreters=self.grid_interpreters,
            )
        return EventFacts(
            event_id=self.event_id,
            agency=self.agency,
            kind=self.kind,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            capacity=self.capacity,
            attendees_per_registration=self.attendees_per_registration,
            registration_opens_at=self.registration_opens_at,
            registration_closes_at=self.registration_closes_at,
            grid=grid,
        )

    def draw(self) -> int:
        """The next number of the event's sequence (the caller holds the row lock)."""
        self.sequence += 1
        return self.sequence


class RegistrationRow(EventsBase):
    """A company's registration. At most one active (confirmed or waitlisted) per company and event."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index(
            "uq_registrations_active_company",
            "event_id",
            "company_id",
            unique=True,
            sqlite_where=text(ACTIVE_REGISTRATION),
            postgresql_where=text(ACTIVE_REGISTRATION),
        ),
        Index("ix_registrations_line", "event_id", "status", "sequence"),
    )

    registration_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.event_id"))
    agency: Mapped[str] = mapped_column(String(64))
    company_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int]
    """Place in arrival order: the waiting list is ordered by it."""
    attendees: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    languages: Mapped[list[str]]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CheckInRow(EventsBase):
    """One badge scan; the nonce makes a scan sent twice one row."""

    __tablename__ = "check_ins"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.event_id"), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registrations.registration_id"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingRequestRow(EventsBase):
    """A request for a 1:1 meeting; `origin` is `request` (an agency sent it) or `match` (a confirmed match)."""

    __tablename__ = "meeting_requests"
    __table_args__ = (
        Index(
            "uq_meeting_requests_active_pair",
            "event_id",
            "pair_key",
            unique=True,
            sqlite_where=text(ACTIVE_REQUEST),
            postgresql_where=text(ACTIVE_REQUEST),
        ),
        Index("ix_meeting_requests_status", "event_id", "status"),
    )

    request_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.event_id"))
    origin: Mapped[str] = mapped_column(String(16))
    match_id: Mapped[str | None] = mapped_column(String(100), index=True)
    requester_id: Mapped[str | None] = mapped_column(String(64), index=True)
    invitee_id: Mapped[str | None] = mapped_column(String(64), index=True)
    invitee_agency: Mapped[str | None] = mapped_column(String(64))
    """The agency that registered the invitee: the one that may answer."""
    pair_key: Mapped[str | None] = mapped_column(String(130))
    interpreter: Mapped[bool] = mapped_column(Boolean)
    message: Mapped[str | None] = mapped_column(String(5000))
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_sequence: Mapped[int | None] = mapped_column(Integer)
    """Order of acceptance: the scheduler serves earlier-accepted requests first."""
    meeting_id: Mapped[str | None] = mapped_column(String(40))
    """The meeting currently scheduled for it, if any."""


class MeetingRow(EventsBase):
    """A scheduled 1:1 meeting (or a cancelled one, kept for the record). One per table and slot."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index(
            "uq_meetings_table_slot",
            "event_id",
            "slot",
            "table_number",
            unique=True,
            sqlite_where=text(SCHEDULED),
            postgresql_where=text(SCHEDULED),
        ),
    )

    meeting_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("meeting_requests.request_id"), index=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.event_id"), index=True)
    company_a: Mapped[str | None] = mapped_column(String(64))
    company_b: Mapped[str | None] = mapped_column(String(64))
    slot: Mapped[int]
    table_number: Mapped[int]
    interpreter: Mapped[bool] = mapped_column(Boolean)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SeatRow(EventsBase):
    """A company's seat at a meeting: the primary key makes double booking impossible, whatever the code does."""

    __tablename__ = "meeting_seats"

    event_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.meeting_id"), index=True)


class MatchRow(EventsBase):
    """A confirmed match, remembered so that its companies meet at the first session both attend."""

    __tablename__ = "confirmed_matches"

    match_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    company_a: Mapped[str] = mapped_column(String(64), index=True)
    company_b: Mapped[str] = mapped_column(String(64), index=True)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def other(self, company_id: str) -> str:
        return self.company_b if company_id == self.company_a else self.company_a
