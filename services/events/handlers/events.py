"""Publishing an event: created on its first revision, replaced by each higher one."""

from __future__ import annotations

import logging

from services.events.domain.sessions import check_fields, check_update
from services.events.domain.waitlist import resize
from services.events.handlers import Rules, refusing
from services.events.handlers.registrations import promote
from services.events.store import EventRow, Store
from shared.contracts.agency.event import EventPublished, MeetingGrid
from shared.messaging.envelope import Event
from shared.messaging.transaction import Transaction

log = logging.getLogger(__name__)


@refusing
async def publish_event(event: Event[EventPublished], tx: Transaction, *, rules: Rules) -> None:
    """Store the newest revision of an event.

    A higher capacity promotes the waiting list in order; a lower one takes no place away. A
    changed grid has the scheduler look at the session again (announced meetings stay where
    they still fit).
    """
    data = event.data
    store = Store(tx.session)
    check_fields(data.fields, rules.fields)
    row = await store.lock_event(data.event_id)
    if row is None:
        row = EventRow(event_id=data.event_id, agency=event.agency or "", sequence=0, schedule_due=False)
        _apply(row, data)
        row.updated_at = rules.clock()
        store.add(row)
        return
    check_update(row.facts(), agency=event.agency or "", kind=data.kind)
    if data.revision <= row.revision:
        log.debug("event %s: revision %d ignored, %d held", data.event_id, data.revision, row.revision)
        return
    grid_before = row.facts().grid
    _apply(row, data)
    row.updated_at = rules.clock()
    if row.facts().grid != grid_before:
        row.schedule_due = True
    _, promoted = resize(await store.roster(row), data.capacity)
    await promote(store, tx, row, promoted, now=rules.clock())


def _apply(row: EventRow, data: EventPublished) -> None:
    row.revision = data.revision
    row.kind = data.kind
    row.title = data.title.model_dump(mode="json", exclude_none=True)
    row.description = data.description.model_dump(mode="json", exclude_none=True) if data.description else None
    row.format = data.format
    row.venue = data.venue.model_dump(mode="json", exclude_none=True) if data.venue else None
    row.online_url = data.online_url
    row.timezone = data.timezone
    row.starts_at = data.starts_at
    row.ends_at = data.ends_at
    row.capacity = data.capacity
    row.attendees_per_registration = data.attendees_per_registration
    row.registration_opens_at = data.registration_opens_at
    row.registration_closes_at = data.registration_closes_at
    row.fields = list(data.fields)
    grid: MeetingGrid | None = data.meeting_grid
    row.grid_first_slot_at = grid.first_slot_starts_at if grid else None
    row.grid_slot_minutes = grid.slot_minutes if grid else None
    row.grid_break_minutes = grid.break_minutes if grid else None
    row.grid_slots = grid.slots if grid else None
    row.grid_tables = grid.tables if grid else None
    row.grid_interpreters = grid.interpreters if grid else None
