"""Meeting requests and answers, meetings for confirmed matches, and cancelling a company's meetings.

Handlers only record who wants to meet whom; the timer (`handlers.timers`) turns accepted
requests into meetings, a session at a time, and marks nothing as scheduled itself.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Literal, cast

from services.events.domain import Refused
from services.events.domain.meetings import (
    ACTIVE,
    Participant,
    RequestFacts,
    RequestStatus,
    answer,
    can_talk,
    check_request,
    needs_interpreter,
    pair_key,
    request_expiry,
)
from services.events.domain.sessions import Grid
from services.events.handlers import Rules, refusing, summary
from services.events.scheduler import Placement
from services.events.store import EventRow, MatchRow, MeetingRequestRow, MeetingRow, SeatRow, Store
from shared.contracts.agency.event import MeetingRequested, MeetingResponseSubmitted
from shared.contracts.events import MeetingCancelled, MeetingScheduled
from shared.contracts.matching import MatchConfirmed
from shared.messaging.envelope import Event
from shared.messaging.transaction import Transaction

log = logging.getLogger(__name__)

CancelReason = Literal["registration_cancelled", "withdrawn", "rescheduled"]


@refusing
async def request_meeting(event: Event[MeetingRequested], tx: Transaction, *, rules: Rules) -> None:
    data = event.data
    store = Store(tx.session)
    row = await store.lock_event(data.event_id)
    if row is None:
        raise Refused(f"There is no event {data.event_id}.", ("event_id", "unknown event"))
    known = await store.request(data.request_id)
    if known is not None:
        if (known.event_id, known.requester_id, known.invitee_id) == (
            data.event_id,
            data.requester_company_id,
            data.invitee_company_id,
        ):
            return  # the same request again
        raise Refused(
            f"Request id {data.request_id} is already used for another request.", ("request_id", "already used")
        )
    now = rules.clock()
    facts = row.facts()
    requester = await _participant(store, row.event_id, data.requester_company_id)
    invitee = await _participant(store, row.event_id, data.invitee_company_id)
    pair = pair_key(requester.company_id, invitee.company_id)
    open_request = await store.open_request_for_pair(row.event_id, pair)
    check_request(
        facts,
        sender=event.agency or "",
        requester=requester,
        invitee=invitee,
        existing=open_request.request_id if open_request else None,
        now=now,
    )
    assert facts.grid is not None
    expires_at = request_expiry(
        facts.grid,
        request_id=data.request_id,
        requested_at=data.requested_at,
        respond_by=data.respond_by,
        ttl=rules.request_ttl,
        now=now,
    )
    invitee_registration = await store.active_registration(row.event_id, invitee.company_id)
    store.add(
        MeetingRequestRow(
            request_id=data.request_id,
            event_id=row.event_id,
            origin="request",
            match_id=None,
            requester_id=requester.company_id,
            invitee_id=invitee.company_id,
            invitee_agency=invitee_registration.agency if invitee_registration else None,
            pair_key=pair,
            interpreter=needs_interpreter(requester.languages, invitee.languages),
            message=data.message,
            status="pending",
            requested_at=data.requested_at,
            expires_at=expires_at,
            answered_at=None,
            accepted_sequence=None,
            meeting_id=None,
        )
    )


@refusing
async def answer_request(event: Event[MeetingResponseSubmitted], tx: Transaction, *, rules: Rules) -> None:
    data = event.data
    store = Store(tx.session)
    event_id = await store.event_of_request(data.request_id)
    row = await store.lock_event(event_id) if event_id else None
    request = await store.request(data.request_id) if row else None
    if row is None or request is None:
        raise Refused(f"There is no meeting request {data.request_id}.", ("request_id", "unknown request"))
    status = answer(
        RequestFacts(
            request.request_id,
            request.invitee_id,
            request.invitee_agency,
            cast(RequestStatus, request.status),
            request.expires_at,
        ),
        company_id=data.company_id,
        sender=event.agency or "",
        response=data.response,
        now=rules.clock(),
    )
    if status is None:
        return  # the same answer again
    request.status = status
    request.answered_at = data.responded_at
    if status == "accepted":
        request.accepted_sequence = row.draw()
        row.schedule_due = True


async def meet_confirmed_match(event: Event[MatchConfirmed], tx: Transaction, *, rules: Rules) -> None:
    """Both companies accepted a match: they meet at the first upcoming session both hold a place at.

    The match is remembered, so that if they are not both registered yet, the meeting is requested
    as soon as they are (see `propose_for_company`).
    """
    data = event.data
    store = Store(tx.session)
    match = MatchRow(
        match_id=data.match_id,
        company_a=data.a.company_id,
        company_b=data.b.company_id,
        confirmed_at=data.confirmed_at,
    )
    await store.remember_match(match)
    now = rules.clock()
    # The sessions first, locked as a registration locks its own: a place given meanwhile, in a transaction
    # not committed yet, would otherwise be missed here while that transaction missed this match, and
    # neither would ask for the meeting. Now one waits for the other and sees what it did.
    sessions = await store.lock_upcoming_sessions(now=now)
    for event_id in await store.shared_upcoming_sessions(match.company_a, match.company_b, now=now):
        row = sessions.get(event_id)
        if row is not None and await propose_for_match(store, row, match, now=now):
            return


async def propose_for_company(store: Store, row: EventRow, company_id: str, *, now: datetime) -> None:
    """A company got a place at a session: meetings for its confirmed matches whose other side is there too."""
    if row.kind != "business_matching_session":
        return
    for match in await store.matches_of(company_id):
        await propose_for_match(store, row, match, now=now)


async def propose_for_match(store: Store, row: EventRow, match: MatchRow, *, now: datetime) -> bool:
    """An accepted request for the match at this session, unless it has one somewhere or cannot meet here."""
    grid = row.facts().grid
    if grid is None or now >= grid.first_slot_starts_at or await store.match_has_open_request(match.match_id):
        return False
    a = await store.active_registration(row.event_id, match.company_a)
    b = await store.active_registration(row.event_id, match.company_b)
    if a is None or b is None or a.status != "confirmed" or b.status != "confirmed":
        return False
    pair = pair_key(match.company_a, match.company_b)
    existing = await store.open_request_for_pair(row.event_id, pair)
    if existing is not None:
        # They asked each other already: the match answers for the invitee.
        existing.match_id = match.match_id
        if existing.status == "pending":
            existing.status = "accepted"
            existing.answered_at = now
            existing.accepted_sequence = row.draw()
            row.schedule_due = True
        return True
    if not can_talk(a.languages, b.languages):
        log.info(
            "match %s: %s and %s share no language at %s", match.match_id, a.company_id, b.company_id, row.event_id
        )
        return False
    sequence = row.draw()
    store.add(
        MeetingRequestRow(
            request_id=f"{match.match_id}@{row.event_id}.{sequence}",
            event_id=row.event_id,
            origin="match",
            match_id=match.match_id,
            requester_id=match.company_a,
            invitee_id=match.company_b,
            invitee_agency=None,
            pair_key=pair,
            interpreter=needs_interpreter(a.languages, b.languages),
            message=None,
            status="accepted",
            requested_at=now,
            expires_at=grid.first_slot_starts_at,
            answered_at=now,
            accepted_sequence=sequence,
            meeting_id=None,
        )
    )
    row.schedule_due = True
    return True


async def cancel_requests_of(
    store: Store, tx: Transaction, row: EventRow, company_id: str, *, reason: CancelReason
) -> None:
    """The company leaves the session: its open requests end, its meetings are cancelled and announced."""
    for request in await store.requests_of(row.event_id, company_id):
        if request.status not in ACTIVE:
            continue
        request.status = "cancelled"
        if request.meeting_id is not None:
            meeting = await store.meeting(request.meeting_id)
            if meeting is not None and meeting.status == "scheduled":
                await cancel_meeting(store, tx, row, meeting, reason=reason)
            request.meeting_id = None
            row.schedule_due = True  # its table is free for others


async def cancel_meeting(
    store: Store, tx: Transaction, row: EventRow, meeting: MeetingRow, *, reason: CancelReason
) -> None:
    assert meeting.company_a is not None
    assert meeting.company_b is not None
    meeting.status = "cancelled"
    meeting.cancel_reason = reason
    await store.free_seats(meeting.meeting_id)
    tx.emit(
        MeetingCancelled(
            meeting_id=meeting.meeting_id,
            event=summary(row),
            company_ids=(meeting.company_a, meeting.company_b),
            reason=reason,
        ),
        subject_id=meeting.meeting_id,
    )


def place_meeting(
    store: Store,
    tx: Transaction,
    row: EventRow,
    grid: Grid,
    request: MeetingRequestRow,
    placement: Placement,
    *,
    now: datetime,
) -> None:
    """Record and announce a meeting the scheduler placed."""
    assert request.requester_id is not None
    assert request.invitee_id is not None
    meeting_id = f"mt-{uuid.uuid4().hex[:16]}"
    starts_at, ends_at = grid.slot_time(placement.slot)
    store.add(
        MeetingRow(
            meeting_id=meeting_id,
            request_id=request.request_id,
            event_id=row.event_id,
            company_a=request.requester_id,
            company_b=request.invitee_id,
            slot=placement.slot,
            table_number=placement.table,
            interpreter=placement.pair.interpreter,
            starts_at=starts_at,
            ends_at=ends_at,
            status="scheduled",
            cancel_reason=None,
            scheduled_at=now,
        )
    )
    for company in (request.requester_id, request.invitee_id):
        store.add(SeatRow(event_id=row.event_id, slot=placement.slot, company_id=company, meeting_id=meeting_id))
    request.meeting_id = meeting_id
    tx.emit(
        MeetingScheduled(
            meeting_id=meeting_id,
            event=summary(row),
            company_ids=(request.requester_id, request.invitee_id),
            starts_at=starts_at,
            ends_at=ends_at,
            table=placement.table,
            interpreter=placement.pair.interpreter,
            match_id=request.match_id,
        ),
        subject_id=meeting_id,
    )


async def _participant(store: Store, event_id: str, company_id: str) -> Participant:
    registration = await store.active_registration(event_id, company_id)
    return Participant(
        company_id=company_id,
        status=registration.status if registration else None,
        agency=registration.agency if registration else None,
        languages=frozenset(registration.languages) if registration else frozenset(),
        open_requests=await store.open_request_count(event_id, company_id),
    )
