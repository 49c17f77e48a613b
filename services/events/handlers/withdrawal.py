"""A company withdraws from the programme: its places are released and its personal data erased.

What stays is anonymous: registration rows keep their status, times and check-in (for attendance
counts) but lose the company id, the attendees and their languages; requests and meetings lose
the company id and the message. Remembered matches with the company are forgotten.
"""

from __future__ import annotations

from services.events.handlers import Rules
from services.events.handlers.meetings import cancel_requests_of
from services.events.handlers.registrations import release
from services.events.store import Store
from shared.contracts.agency.company import ProfileWithdrawn
from shared.messaging.envelope import Event
from shared.messaging.transaction import Transaction


async def erase_company(event: Event[ProfileWithdrawn], tx: Transaction, *, rules: Rules) -> None:
    company_id = event.data.company_id
    store = Store(tx.session)
    now = rules.clock()
    for event_id in await store.events_of_company(company_id):  # sorted: replicas lock in the same order
        row = await store.lock_event(event_id)
        assert row is not None
        over = now >= row.ends_at
        for registration in await store.registrations_of(event_id, company_id):
            if registration.status in ("confirmed", "waitlisted") and not over:
                await release(store, tx, row, registration, reason="withdrawn", now=now)
            registration.company_id = None
            registration.attendees = None
            registration.languages = []
            registration.erased_at = now
        if not over:
            await cancel_requests_of(store, tx, row, company_id, reason="withdrawn")
        for request in await store.requests_of(event_id, company_id):
            if request.requester_id == company_id:
                request.requester_id = None
            if request.invitee_id == company_id:
                request.invitee_id = None
            request.pair_key = None
            request.message = None
        await store.forget_seats_of(event_id, company_id)
        for meeting in await store.meetings_of(event_id, company_id):
            if meeting.company_a == company_id:
                meeting.company_a = None
            if meeting.company_b == company_id:
                meeting.company_b = None
        await store.flush()
    await store.forget_matches_of(company_id)
