"""The events service's storage: queries named for what handlers need. It never commits.

Rule for every writer: lock the event's row (`lock_event`) before reading anything of that event
that it may change. Rows are then read with `populate_existing`, so an object the session loaded
earlier in the same batch cannot carry state another replica has since changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.events.domain.waitlist import Roster
from services.events.store.tables import (
    CheckInRow,
    EventRow,
    EventsBase,
    MatchRow,
    MeetingRequestRow,
    MeetingRow,
    RegistrationRow,
    SeatRow,
)

__all__ = [
    "CheckInRow",
    "EventRow",
    "EventsBase",
    "MatchRow",
    "MeetingRequestRow",
    "MeetingRow",
    "RegistrationRow",
    "SeatRow",
    "Store",
]

_FRESH = {"populate_existing": True}
_ACTIVE = ("confirmed", "waitlisted")
_OPEN = ("pending", "accepted")


class Store:
    """One transaction's view of the events database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # events

    async def lock_event(self, event_id: str) -> EventRow | None:
        """The event's row, locked until the transaction ends (PostgreSQL; SQLite locks the whole database)."""
        query = select(EventRow).where(EventRow.event_id == event_id).with_for_update()
        return (await self.session.execute(query.execution_options(**_FRESH))).scalar_one_or_none()

    async def lock_upcoming_sessions(self, *, now: datetime) -> dict[str, EventRow]:
        """Every business-matching session not yet begun, locked (in id order) until the transaction ends."""
        query = select(EventRow).where(*_upcoming_sessions(now)).order_by(EventRow.event_id).with_for_update()
        rows = (await self.session.execute(query.execution_options(**_FRESH))).scalars().all()
        return {row.event_id: row for row in rows}

    async def lock_next_due_session(self) -> EventRow | None:
        """A session whose meetings need scheduling, locked; sessions another replica holds are skipped."""
        query = (
            select(EventRow)
            .where(EventRow.schedule_due.is_(True))
            .order_by(EventRow.starts_at, EventRow.event_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalar_one_or_none()

    def add(self, row: EventsBase) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    # registrations

    async def event_of_registration(self, registration_id: str) -> str | None:
        """Which event a registration belongs to (read without loading the row, before the lock)."""
        query = select(RegistrationRow.event_id).where(RegistrationRow.registration_id == registration_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def registration(self, registration_id: str) -> RegistrationRow | None:
        query = select(RegistrationRow).where(RegistrationRow.registration_id == registration_id)
        return (await self.session.execute(query.execution_options(**_FRESH))).scalar_one_or_none()

    async def active_registration(self, event_id: str, company_id: str) -> RegistrationRow | None:
        """The company's confirmed or waiting registration for the event, if it has one."""
        query = select(RegistrationRow).where(
            RegistrationRow.event_id == event_id,
            RegistrationRow.company_id == company_id,
            RegistrationRow.status.in_(_ACTIVE),
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalar_one_or_none()

    async def registrations_of(self, event_id: str, company_id: str) -> Sequence[RegistrationRow]:
        query = (
            select(RegistrationRow)
            .where(RegistrationRow.event_id == event_id, RegistrationRow.company_id == company_id)
            .order_by(RegistrationRow.sequence)
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalars().all()

    async def roster(self, event: EventRow) -> Roster:
        """The event's places: how many are confirmed, and who waits, in line order."""
        confirmed = await self.session.scalar(
            select(func.count()).where(
                RegistrationRow.event_id == event.event_id, RegistrationRow.status == "confirmed"
            )
        )
        line = await self.session.execute(
            select(RegistrationRow.registration_id)
            .where(RegistrationRow.event_id == event.event_id, RegistrationRow.status == "waitlisted")
            .order_by(RegistrationRow.sequence)
        )
        return Roster(capacity=event.capacity, confirmed=int(confirmed or 0), line=tuple(line.scalars().all()))

    async def events_of_company(self, company_id: str) -> Sequence[str]:
        query = select(RegistrationRow.event_id).where(RegistrationRow.company_id == company_id).distinct()
        return sorted((await self.session.execute(query)).scalars().all())

    async def shared_upcoming_sessions(self, a: str, b: str, *, now: datetime) -> Sequence[str]:
        """Business-matching sessions not yet begun where both companies hold a place, earliest first."""
        both = (
            select(RegistrationRow.event_id)
            .where(RegistrationRow.company_id.in_((a, b)), RegistrationRow.status == "confirmed")
            .group_by(RegistrationRow.event_id)
            .having(func.count(func.distinct(RegistrationRow.company_id)) == 2)
        )
        query = (
            select(EventRow.event_id)
            .where(EventRow.event_id.in_(both), *_upcoming_sessions(now))
            .order_by(EventRow.starts_at, EventRow.event_id)
        )
        return (await self.session.execute(query)).scalars().all()

    # check-ins

    async def check_in(self, event_id: str, nonce: str) -> CheckInRow | None:
        return await self.session.get(CheckInRow, (event_id, nonce))

    # meeting requests

    async def event_of_request(self, request_id: str) -> str | None:
        query = select(MeetingRequestRow.event_id).where(MeetingRequestRow.request_id == request_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def request(self, request_id: str) -> MeetingRequestRow | None:
        query = select(MeetingRequestRow).where(MeetingRequestRow.request_id == request_id)
        return (await self.session.execute(query.execution_options(**_FRESH))).scalar_one_or_none()

    async def open_request_for_pair(self, event_id: str, pair_key: str) -> MeetingRequestRow | None:
        query = select(MeetingRequestRow).where(
            MeetingRequestRow.event_id == event_id,
            MeetingRequestRow.pair_key == pair_key,
            MeetingRequestRow.status.in_(_OPEN),
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalar_one_or_none()

    async def open_request_count(self, event_id: str, company_id: str) -> int:
        count = await self.session.scalar(
            select(func.count()).where(
                MeetingRequestRow.event_id == event_id,
                MeetingRequestRow.status.in_(_OPEN),
                (MeetingRequestRow.requester_id == company_id) | (MeetingRequestRow.invitee_id == company_id),
            )
        )
        return int(count or 0)

    async def requests_of(self, event_id: str, company_id: str) -> Sequence[MeetingRequestRow]:
        """Every request of the company at the event, asked or asking, any status."""
        query = (
            select(MeetingRequestRow)
            .where(
                MeetingRequestRow.event_id == event_id,
                (MeetingRequestRow.requester_id == company_id) | (MeetingRequestRow.invitee_id == company_id),
            )
            .order_by(MeetingRequestRow.request_id)
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalars().all()

    async def accepted_requests(self, event_id: str) -> Sequence[MeetingRequestRow]:
        """Accepted requests, earliest accepted first: what the scheduler works on."""
        query = (
            select(MeetingRequestRow)
            .where(MeetingRequestRow.event_id == event_id, MeetingRequestRow.status == "accepted")
            .order_by(MeetingRequestRow.accepted_sequence, MeetingRequestRow.request_id)
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalars().all()

    async def match_has_open_request(self, match_id: str) -> bool:
        query = select(func.count()).where(MeetingRequestRow.match_id == match_id, MeetingRequestRow.status.in_(_OPEN))
        return bool(await self.session.scalar(query))

    async def events_with_expired_requests(self, now: datetime) -> Sequence[str]:
        query = (
            select(MeetingRequestRow.event_id)
            .where(MeetingRequestRow.status == "pending", MeetingRequestRow.expires_at <= now)
            .distinct()
        )
        return sorted((await self.session.execute(query)).scalars().all())

    async def expire_requests(self, event_id: str, now: datetime) -> int:
        """Pending requests past their deadline expire (the caller holds the event's lock)."""
        result = await self.session.execute(
            update(MeetingRequestRow)
            .where(
                MeetingRequestRow.event_id == event_id,
                MeetingRequestRow.status == "pending",
                MeetingRequestRow.expires_at <= now,
            )
            .values(status="expired")
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # meetings

    async def meeting(self, meeting_id: str) -> MeetingRow | None:
        query = select(MeetingRow).where(MeetingRow.meeting_id == meeting_id)
        return (await self.session.execute(query.execution_options(**_FRESH))).scalar_one_or_none()

    async def scheduled_meetings(self, event_id: str) -> Sequence[MeetingRow]:
        """The session's announced meetings, oldest first."""
        query = (
            select(MeetingRow)
            .where(MeetingRow.event_id == event_id, MeetingRow.status == "scheduled")
            .order_by(MeetingRow.scheduled_at, MeetingRow.meeting_id)
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalars().all()

    async def meetings_of(self, event_id: str, company_id: str) -> Sequence[MeetingRow]:
        query = select(MeetingRow).where(
            MeetingRow.event_id == event_id, (MeetingRow.company_a == company_id) | (MeetingRow.company_b == company_id)
        )
        return (await self.session.execute(query.execution_options(**_FRESH))).scalars().all()

    async def free_seats(self, meeting_id: str) -> None:
        await self.session.flush()
        await self.session.execute(delete(SeatRow).where(SeatRow.meeting_id == meeting_id))

    async def forget_seats_of(self, event_id: str, company_id: str) -> None:
        await self.session.flush()
        await self.session.execute(
            delete(SeatRow).where(SeatRow.event_id == event_id, SeatRow.company_id == company_id)
        )

    # confirmed matches

    async def remember_match(self, match: MatchRow) -> bool:
        """Keep a confirmed match; False when it was known already."""
        if await self.session.get(MatchRow, match.match_id) is not None:
            return False
        self.session.add(match)
        return True

    async def matches_of(self, company_id: str) -> Sequence[MatchRow]:
        query = (
            select(MatchRow)
            .where((MatchRow.company_a == company_id) | (MatchRow.company_b == company_id))
            .order_by(MatchRow.confirmed_at, MatchRow.match_id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def forget_matches_of(self, company_id: str) -> None:
        await self.session.execute(
            delete(MatchRow)
            .where((MatchRow.company_a == company_id) | (MatchRow.company_b == company_id))
            .execution_options(synchronize_session="fetch")
        )


def _upcoming_sessions(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Business-matching sessions whose meetings have not begun."""
    return EventRow.kind == "business_matching_session", EventRow.grid_first_slot_at > now
