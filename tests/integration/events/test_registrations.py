"""Registrations over real NATS and a real database: places, the waiting list, rejections, check-ins."""

from __future__ import annotations

from nats.js import JetStreamContext

from services.events.store import CheckInRow, EventRow
from shared.contracts.events import (
    AttendanceRecorded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from shared.contracts.rejections import EventRejected
from shared.messaging import dlq
from tests.integration.events.builders import (
    NOW,
    a_cancellation,
    a_check_in,
    a_registration,
    again,
    an_event,
    emitted,
    from_agency,
    registrations,
    relayed,
    rows,
    running,
    send,
    until_dead_lettered,
    until_emitted,
)
from tests.support.infra import Broker
from tests.support.probe import eventually, stored


async def test_places_go_first_come_first_served_and_a_cancellation_promotes_the_next_exactly_once(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url) as service:
        await send(js, from_agency(an_event(capacity=2)))
        await send(js, *(from_agency(a_registration(f"reg-{n}", f"th-000000000000{n}")) for n in range(1, 5)))
        waiting = await until_emitted(js, RegistrationWaitlisted, 2)
        confirmed = await emitted(js, RegistrationConfirmed)
        assert [(e.registration_id, e.event.timezone) for e in confirmed] == [
            ("reg-1", "Asia/Tokyo"),
            ("reg-2", "Asia/Tokyo"),
        ]
        assert [(e.registration_id, e.position) for e in waiting] == [("reg-3", 1), ("reg-4", 2)]

        # The same cancellation four times: the original, a redelivery of it (same ce-id), the same
        # content under a new event id, and that one redelivered too.
        cancellation = from_agency(a_cancellation("reg-1"))
        resent = again(cancellation, same_id=False)
        await send(js, cancellation, again(cancellation, same_id=True), resent, again(resent, same_id=True))
        await until_emitted(js, RegistrationPromoted, 1)
        # Something after them, to know they were all handled: r2 cancels too, promoting r4.
        await send(js, from_agency(a_cancellation("reg-2")))
        await until_emitted(js, RegistrationPromoted, 2)
        await relayed(service)
        promoted = await emitted(js, RegistrationPromoted)
        held = await registrations(service)

    assert [e.registration_id for e in promoted] == ["reg-3", "reg-4"]
    assert [(e.registration_id, e.reason) for e in await emitted(js, RegistrationCancelled)] == [
        ("reg-1", "cancelled"),
        ("reg-2", "cancelled"),
    ]
    assert {r: row.status for r, row in held.items()} == {
        "reg-1": "cancelled",
        "reg-2": "cancelled",
        "reg-3": "confirmed",
        "reg-4": "confirmed",
    }
    assert await dlq.scan(js) == []


async def test_a_registration_outside_its_window_or_for_a_company_already_registered_is_rejected_to_the_agency(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url) as service:
        early = a_registration("r-early", "th-0000000000001", submitted_at=NOW.replace(year=NOW.year - 1))
        first = from_agency(a_registration("reg-1", "th-0000000000002"))
        await send(js, from_agency(an_event()), from_agency(early), first)
        await send(js, again(first, same_id=False))  # the same registration id again: ignored
        await send(js, from_agency(a_registration("reg-2", "th-0000000000002")))  # the same company again
        letters = await until_dead_lettered(js, 2)
        held = await registrations(service)

    assert sorted(held) == ["reg-1"]
    assert len(await emitted(js, RegistrationConfirmed)) == 1
    reasons = {letter.event_id: letter.failure for letter in letters}
    window = next(failure for failure in reasons.values() if "opens at" in failure.reason)
    assert window.problems[0].field == "submitted_at"
    duplicate = next(failure for failure in reasons.values() if "already registered" in failure.reason)
    assert "as reg-1 (confirmed)" in duplicate.reason
    notices = [
        EventRejected.model_validate_json(message.data or b"")
        for message in await stored(js, "COLLAB_OUT", "collab.out.th-dip.rejected.v1")
    ]
    assert sorted(notice.rejected_by for notice in notices) == ["events", "events"]
    assert any("Registration for ev-test opens at" in notice.reason for notice in notices)


async def test_more_capacity_promotes_the_line_in_order_and_an_update_from_another_agency_is_refused(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url) as service:
        await send(js, from_agency(an_event(capacity=1)))
        await send(js, *(from_agency(a_registration(f"reg-{n}", f"jp-000000000000{n}")) for n in range(1, 5)))
        await until_emitted(js, RegistrationWaitlisted, 3)
        await send(js, from_agency(an_event(capacity=1, revision=3), "jp-mie"))
        await send(js, from_agency(an_event(capacity=3, revision=2)))
        promoted = await until_emitted(js, RegistrationPromoted, 2)
        await send(js, from_agency(an_event(capacity=10, revision=2)))  # not newer: ignored
        [letter] = await until_dead_lettered(js, 1)
        [event] = await rows(service, EventRow)

    assert [e.registration_id for e in promoted] == ["reg-2", "reg-3"]
    assert "only that agency may change it" in letter.failure.reason
    assert (event.revision, event.capacity) == (2, 3)


async def test_a_badge_scanned_twice_checks_in_once_and_a_waiting_registration_cannot_check_in(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url) as service:
        await send(js, from_agency(an_event(capacity=1), "jp-mie"))  # a Mie event, Thai companies registered by DIP
        await send(js, from_agency(a_registration("reg-1", "th-0000000000001")))
        await send(js, from_agency(a_registration("reg-2", "th-0000000000002")))
        scan = from_agency(a_check_in("reg-1", "nonce-0001"), "jp-mie")  # the venue's agency scans
        await send(js, scan, again(scan, same_id=False), again(scan, same_id=True))
        await send(js, from_agency(a_check_in("reg-1", "nonce-0002")))  # another scanner, a second scan
        await send(js, from_agency(a_check_in("reg-2", "nonce-0003")))  # waiting: refused
        [letter] = await until_dead_lettered(js, 1)

        async def both_scans_kept() -> bool:
            return len(await rows(service, CheckInRow)) == 2

        await eventually(both_scans_kept, what="two scans")
        await relayed(service)
        attendance = await emitted(js, AttendanceRecorded)
        held = await registrations(service)

    assert [(a.registration_id, a.company_id) for a in attendance] == [("reg-1", "th-0000000000001")]
    assert held["reg-1"].checked_in_at is not None
    assert "is on the waiting list" in letter.failure.reason
