"""The service's clock work: unanswered meeting requests expire; sessions whose requests changed are scheduled.

It runs as a background task of every replica. Each round works in `service.transaction()`s that
lock the event rows they change, so replicas share the work without doing any of it twice.
"""

from __future__ import annotations

import asyncio
import logging
import time

from services.events.domain.meetings import still_in_place
from services.events.handlers import Rules
from services.events.handlers.meetings import cancel_meeting, place_meeting
from services.events.scheduler import Pair, Placement, Session, keep_announced, schedule
from services.events.store import EventRow, MeetingRow, Store
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service

log = logging.getLogger(__name__)

_SESSIONS_PER_ROUND = 50


async def keep_time(service: Service, *, rules: Rules, interval: float) -> None:
    """Forever: expire what is due, schedule what changed, then wait `interval` seconds."""
    while True:
        expired = await expire_requests(service, rules)
        if expired:
            log.info("%d unanswered meeting request(s) expired", expired)
        await schedule_sessions(service, rules)
        await asyncio.sleep(interval)


async def expire_requests(service: Service, rules: Rules) -> int:
    """Pending requests past their deadline expire, so they no longer count against anyone's slots."""
    now = rules.clock()
    expired = 0
    async with service.transaction() as tx:
        store = Store(tx.session)
        for event_id in await store.events_with_expired_requests(now):
            if await store.lock_event(event_id) is not None:
                expired += await store.expire_requests(event_id, now)
    return expired


async def schedule_sessions(service: Service, rules: Rules) -> int:
    """Schedule each session marked due, one transaction (and one locked event row) per session."""
    for done in range(_SESSIONS_PER_ROUND):
        async with service.transaction() as tx:
            store = Store(tx.session)
            row = await store.lock_next_due_session()
            if row is None:
                return done
            await schedule_session(store, tx, row, rules)
    return _SESSIONS_PER_ROUND


async def schedule_session(store: Store, tx: Transaction, row: EventRow, rules: Rules) -> None:
    """Place the session's accepted requests around the meetings already announced, and announce the new ones.

    Announced meetings stay at their slot and table. Only when the grid changed under them (fewer
    slots, tables or interpreters, or other slot times) are they cancelled as `rescheduled` and
    placed again like any waiting request. Frozen slots (starting within the lead time) get no
    new meetings.
    """
    row.schedule_due = False
    grid = row.facts().grid
    if grid is None:
        return
    now = rules.clock()
    requests = await store.accepted_requests(row.event_id)
    meetings = {meeting.meeting_id: meeting for meeting in await store.scheduled_meetings(row.event_id)}
    announced: list[tuple[MeetingRow, Placement]] = []
    moved: list[MeetingRow] = []
    for request in requests:
        meeting = meetings.get(request.meeting_id or "")
        if meeting is None:
            continue
        if still_in_place(grid, slot=meeting.slot, starts_at=meeting.starts_at):
            announced.append(
                (meeting, Placement(_pair(request.request_id, meeting), meeting.slot, meeting.table_number))
            )
        else:
            moved.append(meeting)
    announced.sort(key=lambda entry: (entry[0].scheduled_at, entry[0].meeting_id))
    kept, released = keep_announced(
        slots=grid.slots,
        tables=grid.tables,
        interpreters=grid.interpreters,
        announced=[placement for _, placement in announced],
    )
    released_keys = {placement.pair.key for placement in released}
    moved += [meeting for meeting, placement in announced if placement.pair.key in released_keys]
    by_id = {request.request_id: request for request in requests}
    for meeting in moved:
        await cancel_meeting(store, tx, row, meeting, reason="rescheduled")
        by_id[meeting.request_id].meeting_id = None
    kept_keys = {placement.pair.key for placement in kept}
    waiting = tuple(
        Pair(request.request_id, (request.requester_id, request.invitee_id), request.interpreter)
        for request in requests
        if request.request_id not in kept_keys and request.requester_id and request.invitee_id
    )
    open_slots = grid.open_slots(now, rules.schedule_lead)
    if not waiting or not open_slots:
        return
    session = Session(grid.slots, grid.tables, grid.interpreters, open_slots, kept, waiting)
    started = time.perf_counter()
    result = await asyncio.to_thread(schedule, session, effort=rules.solver_effort)
    await store.flush()
    for placement in result.placements:
        place_meeting(store, tx, row, grid, by_id[placement.pair.key], placement, now=now)
    log.info(
        "%s: %d new meeting(s) for %d waiting request(s) (at most %d possible, %s, %s) in %.2f s",
        row.event_id,
        len(result.placements),
        len(waiting),
        result.bound,
        "optimal" if result.optimal else "not proven optimal",
        result.method,
        time.perf_counter() - started,
    )


def _pair(request_id: str, meeting: MeetingRow) -> Pair:
    assert meeting.company_a is not None
    assert meeting.company_b is not None
    return Pair(request_id, (meeting.company_a, meeting.company_b), meeting.interpreter)
