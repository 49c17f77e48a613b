"""Registrations, cancellations and check-ins: places, the waiting list and attendance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, cast

from services.events.domain import Refused
from services.events.domain.sessions import check_agency, check_cancellation, check_check_in, check_registration
from services.events.domain.waitlist import Confirmed, Place, admit, leave
from services.events.handlers import Rules, refusing, summary
from services.events.handlers.meetings import cancel_requests_of, propose_for_company
from services.events.store import CheckInRow, EventRow, RegistrationRow, Store
from shared.contracts.agency.event import CheckInRecorded, RegistrationCancellationSubmitted, RegistrationSubmitted
from shared.contracts.events import (
    AttendanceRecorded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from shared.messaging.envelope import Event
from shared.messaging.transaction import Transaction


@refusing
async def register(event: Event[RegistrationSubmitted], tx: Transaction, *, rules: Rules) -> None:
    """A place if one is free and nobody waits, else the end of the waiting list.

    Idempotent: the same registration id again changes nothing; another id for a company that
    already holds or waits for a place is refused, naming the registration it has.
    """
    data = event.data
    store = Store(tx.session)
    row = await store.lock_event(data.event_id)
    if row is None:
        raise Refused(f"There is no event {data.event_id}.", ("event_id", "unknown event"))
    known = await store.registration(data.registration_id)
    if known is not None:
        if (known.event_id, known.company_id) == (data.event_id, data.company_id) or known.erased_at is not None:
            return  # the same registration again (or one erased since: it stays erased)
        raise Refused(
            f"Registration id {data.registration_id} is already used for another registration.",
            ("registration_id", "already used"),
        )
    held = await store.active_registration(data.event_id, data.company_id)
    if held is not None:
        raise Refused(
            f"{data.company_id} is already registered for {data.event_id} as {held.registration_id} ({held.status}).",
            ("company_id", f"already registered as {held.registration_id}"),
        )
    check_registration(row.facts(), submitted_at=data.submitted_at, attendees=len(data.attendees))
    _roster, admission = admit(await store.roster(row), data.registration_id)
    now = rules.clock()
    confirmed = isinstance(admission, Confirmed)
    registration = RegistrationRow(
        registration_id=data.registration_id,
        event_id=row.event_id,
        agency=event.agency or "",
        company_id=data.company_id,
        status="confirmed" if confirmed else "waitlisted",
        sequence=row.draw(),
        attendees=[attendee.model_dump(mode="json", exclude_none=True) for attendee in data.attendees],
        languages=sorted({language for attendee in data.attendees for language in attendee.languages}),
        submitted_at=data.submitted_at,
        confirmed_at=now if confirmed else None,
        cancelled_at=None,
        cancel_reason=None,
        checked_in_at=None,
        erased_at=None,
    )
    store.add(registration)
    if isinstance(admission, Confirmed):
        tx.emit(
            RegistrationConfirmed(registration_id=data.registration_id, company_id=data.company_id, event=summary(row)),
            subject_id=data.registration_id,
        )
        await store.flush()
        await propose_for_company(store, row, data.company_id, now=now)
    else:
        tx.emit(
            RegistrationWaitlisted(
                registration_id=data.registration_id,
                company_id=data.company_id,
                event=summary(row),
                position=admission.position,
            ),
            subject_id=data.registration_id,
        )


@refusing
async def cancel_registration(
    event: Event[RegistrationCancellationSubmitted], tx: Transaction, *, rules: Rules
) -> None:
    """The registration ends; a place it held goes to the next in line, exactly once.

    A registration already cancelled (the same cancellation again, under whatever event id) is
    left alone: the status is read under the event's lock, so no second promotion can follow.
    """
    data = event.data
    store = Store(tx.session)
    event_id = await store.event_of_registration(data.registration_id)
    row = await store.lock_event(event_id) if event_id else None
    registration = await store.registration(data.registration_id) if row else None
    if row is None or registration is None:
        raise Refused(f"There is no registration {data.registration_id}.", ("registration_id", "unknown registration"))
    check_agency(
        f"Registration {registration.registration_id}", sender=event.agency or "", allowed={registration.agency}
    )
    if registration.status == "cancelled":
        return
    check_cancellation(row.facts(), now=rules.clock())
    await release(store, tx, row, registration, reason="cancelled", now=rules.clock())


async def release(
    store: Store,
    tx: Transaction,
    row: EventRow,
    registration: RegistrationRow,
    *,
    reason: Literal["cancelled", "withdrawn"],
    now: datetime,
) -> None:
    """A confirmed or waiting registration ends: announce it, cancel its meetings, promote the next in line."""
    assert registration.company_id is not None
    _roster, promoted = leave(await store.roster(row), registration.registration_id, cast(Place, registration.status))
    registration.status = "cancelled"
    registration.cancelled_at = now
    registration.cancel_reason = reason
    tx.emit(
        RegistrationCancelled(
            registration_id=registration.registration_id,
            company_id=registration.company_id,
            event=summary(row),
            reason=reason,
        ),
        subject_id=registration.registration_id,
    )
    await cancel_requests_of(
        store,
        tx,
        row,
        registration.company_id,
        reason="registration_cancelled" if reason == "cancelled" else "withdrawn",
    )
    await promote(store, tx, row, promoted, now=now)


async def promote(store: Store, tx: Transaction, row: EventRow, promoted: Sequence[str], *, now: datetime) -> None:
    """Give places to the registrations the waiting list decided, in line order, and announce each once."""
    for registration_id in promoted:
        registration = await store.registration(registration_id)
        assert registration is not None
        assert registration.status == "waitlisted"
        assert registration.company_id
        registration.status = "confirmed"
        registration.confirmed_at = now
        tx.emit(
            RegistrationPromoted(
                registration_id=registration_id, company_id=registration.company_id, event=summary(row)
            ),
            subject_id=registration_id,
        )
        await store.flush()
        await propose_for_company(store, row, registration.company_id, now=now)


@refusing
async def check_in(event: Event[CheckInRecorded], tx: Transaction, *, rules: Rules) -> None:
    """A badge scan: the same nonce counts once; a registration's first accepted scan is its attendance."""
    data = event.data
    store = Store(tx.session)
    event_id = await store.event_of_registration(data.registration_id)
    row = await store.lock_event(event_id) if event_id else None
    registration = await store.registration(data.registration_id) if row else None
    if row is None or registration is None:
        raise Refused(f"There is no registration {data.registration_id}.", ("registration_id", "unknown registration"))
    scan = await store.check_in(row.event_id, data.nonce)
    if scan is not None:
        if scan.registration_id == data.registration_id:
            return  # the same scan again
        raise Refused(
            f"Nonce {data.nonce} was already used to check in another registration.", ("nonce", "already used")
        )
    check_agency(f"Check-in at {row.event_id}", sender=event.agency or "", allowed={row.agency, registration.agency})
    check_check_in(registration.registration_id, registration.status)
    store.add(
        CheckInRow(
            event_id=row.event_id,
            nonce=data.nonce,
            registration_id=registration.registration_id,
            checked_in_at=data.checked_in_at,
            device=data.device,
            recorded_at=rules.clock(),
        )
    )
    if registration.checked_in_at is not None:
        return  # another scan of a badge already checked in: kept, not announced again
    assert registration.company_id is not None
    registration.checked_in_at = data.checked_in_at
    tx.emit(
        AttendanceRecorded(
            registration_id=registration.registration_id,
            company_id=registration.company_id,
            event_id=row.event_id,
            checked_in_at=data.checked_in_at,
        ),
        subject_id=registration.registration_id,
    )
