"""Meetings at a business-matching session over real NATS and a real database: requests, answers, the scheduler."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from nats.js import JetStreamContext

from services.events.handlers import Rules, timers
from services.events.handlers.meetings import meet_confirmed_match
from services.events.handlers.registrations import register
from services.events.store import EventRow, MeetingRow, RegistrationRow
from shared.contracts.agency.event import RegistrationSubmitted
from shared.contracts.base import Contract
from shared.contracts.events import MeetingCancelled, MeetingScheduled
from shared.contracts.matching import MatchConfirmed
from shared.messaging.envelope import Event, OutgoingMessage, accept, decode
from shared.runtime.service import Service
from tests.integration.events.builders import (
    a_cancellation,
    a_match,
    a_registration,
    a_request,
    a_session,
    an_answer,
    emitted,
    from_agency,
    from_matching,
    relayed,
    requests,
    rows,
    running,
    scheduled,
    send,
    until_dead_lettered,
    until_emitted,
)
from tests.support.infra import Broker
from tests.support.probe import eventually

C = TypeVar("C", bound=Contract)
SLOTS, TABLES, INTERPRETERS = 3, 2, 1
RULES = Rules(clock=lambda: datetime.now(UTC), fields=frozenset(), schedule_lead=timedelta(0))

COMPANIES = {
    "th-0000000000001": ("th", "en"),
    "th-0000000000002": ("th",),
    "th-0000000000003": ("th",),
    "jp-0000000000001": ("ja", "en"),
    "jp-0000000000002": ("ja",),
    "jp-0000000000003": ("ja",),
}


def company(name: str) -> str:
    """`th1` → `th-0000000000001`."""
    return f"{name[:2]}-{int(name[2:]):013d}"


def registered(event_id: str = "ev-session") -> list[OutgoingMessage]:
    return [
        from_agency(a_registration(f"reg-{c}", c, event_id, *languages), "th-dip" if c.startswith("th") else "jp-mie")
        for c, languages in COMPANIES.items()
    ]


def assert_nobody_double_booked(meetings: Sequence[MeetingRow], *, tables: int, interpreters: int) -> None:
    seats = Counter((c, m.slot) for m in meetings for c in (m.company_a, m.company_b))
    assert max(seats.values(), default=0) <= 1
    assert len({(m.slot, m.table_number) for m in meetings}) == len(meetings)
    assert all(1 <= m.table_number <= tables for m in meetings)
    interpreted = Counter(m.slot for m in meetings if m.interpreter)
    assert max(interpreted.values(), default=0) <= interpreters


async def schedule_now(service: Service) -> None:
    """Run the scheduler's round now rather than wait for the timer."""
    await timers.schedule_sessions(service, RULES)


async def test_accepted_requests_become_meetings_without_double_booking_and_freed_places_are_refilled(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    # The timer sleeps: this test decides when the scheduler runs.
    async with running(nats_server.url, database_url, timer_interval=3600) as service:
        await send(js, from_agency(a_session(slots=SLOTS, tables=TABLES, interpreters=INTERPRETERS)), *registered())
        asked = [
            ("mr-01", "th1", "jp1"),  # English in common
            ("mr-02", "th2", "jp2"),  # needs the interpreter
            ("mr-03", "th3", "jp3"),  # needs the interpreter
            ("mr-04", "th1", "jp2"),  # needs the interpreter
            ("mr-05", "th2", "jp1"),  # needs the interpreter
            ("mr-06", "th3", "jp1"),  # declined
            ("mr-07", "th1", "jp3"),  # never answered
        ]
        await send(js, *(from_agency(a_request(r, company(a), company(b))) for r, a, b in asked))
        answers = [an_answer(r, company(b)) for r, _, b in asked[:5]] + [an_answer("mr-06", company("jp1"), "decline")]
        await send(js, *(from_agency(answer, "jp-mie") for answer in answers))

        async def answered() -> bool:
            return sum(r.status in ("accepted", "declined") for r in (await requests(service)).values()) == 6

        await eventually(answered, what="six answers")
        await schedule_now(service)
        first = await until_emitted(js, MeetingScheduled, 4)
        meetings = await scheduled(service)
        held = await requests(service)

        # Three interpreted meetings fit (one interpreter, three slots): the earliest accepted ones.
        assert sorted(m.request_id for m in meetings) == ["mr-01", "mr-02", "mr-03", "mr-04"]
        assert_nobody_double_booked(meetings, tables=TABLES, interpreters=INTERPRETERS)
        assert (held["mr-06"].status, held["mr-07"].status, held["mr-07"].meeting_id) == ("declined", "pending", None)
        announced = {m.meeting_id: m for m in first}
        for meeting in meetings:
            event = announced[meeting.meeting_id]
            assert set(event.company_ids) == {meeting.company_a, meeting.company_b}
            assert (event.starts_at, event.table, event.interpreter) == (
                meeting.starts_at,
                meeting.table_number,
                meeting.interpreter,
            )
            assert event.ends_at - event.starts_at == timedelta(minutes=20)
            assert event.event.timezone == "Asia/Tokyo"
        assert [m.interpreter for m in sorted(meetings, key=lambda m: m.request_id)] == [False, True, True, True]

        # th1 cancels: its meetings (mr-01, mr-04) are cancelled, and mr-04's interpreter goes to mr-05.
        await send(js, from_agency(a_cancellation(f"reg-{company('th1')}")))
        await until_emitted(js, MeetingCancelled, 2)
        await schedule_now(service)
        await until_emitted(js, MeetingScheduled, 5)
        await relayed(service)
        after = await scheduled(service)
        cancelled = await emitted(js, MeetingCancelled)
        ended = {r: row.status for r, row in (await requests(service)).items() if row.status == "cancelled"}

    assert ended == {"mr-01": "cancelled", "mr-04": "cancelled", "mr-07": "cancelled"}
    assert sorted((c.meeting_id, c.reason) for c in cancelled) == sorted(
        (m.meeting_id, "registration_cancelled") for m in meetings if m.request_id in ("mr-01", "mr-04")
    )
    assert sorted(m.request_id for m in after) == ["mr-02", "mr-03", "mr-05"]
    kept = {m.meeting_id for m in meetings if m.request_id in ("mr-02", "mr-03")}
    assert kept <= {m.meeting_id for m in after}, "announced meetings stay as they were"
    assert_nobody_double_booked(after, tables=TABLES, interpreters=INTERPRETERS)


async def test_a_smaller_grid_moves_only_the_meetings_that_no_longer_fit(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url, timer_interval=3600) as service:
        session = a_session(slots=2, tables=2, interpreters=0)
        await send(js, from_agency(session), *registered())
        pairs = [("mr-01", "th1", "jp1"), ("mr-02", "th2", "th3"), ("mr-03", "jp2", "jp3")]
        for r, a, b in pairs:
            await send(
                js, from_agency(a_request(r, company(a), company(b)), "th-dip" if a.startswith("th") else "jp-mie")
            )
            await send(js, from_agency(an_answer(r, company(b)), "th-dip" if b.startswith("th") else "jp-mie"))

        async def accepted() -> bool:
            return sum(r.status == "accepted" for r in (await requests(service)).values()) == 3

        await eventually(accepted, what="three accepted requests")
        await schedule_now(service)
        await until_emitted(js, MeetingScheduled, 3)
        before = {m.meeting_id: m for m in await scheduled(service)}

        assert session.meeting_grid is not None
        grid = session.meeting_grid.model_copy(update={"tables": 1})
        await send(js, from_agency(session.model_copy(update={"revision": 2, "meeting_grid": grid})))

        async def changed() -> bool:
            return [event.grid_tables for event in await rows(service, EventRow)] == [1]

        await eventually(changed, what="the grid changed")
        await schedule_now(service)
        await relayed(service)
        after = {m.meeting_id: m for m in await scheduled(service)}
        cancelled = await emitted(js, MeetingCancelled)

    assert len(after) == 2, "two slots with one table each"
    stayed = {i for i, m in before.items() if m.table_number == 1}
    assert stayed <= set(after), "meetings at table 1 keep their slot, table and id"
    assert {c.meeting_id for c in cancelled} == set(before) - stayed
    assert {c.reason for c in cancelled} == {"rescheduled"}


async def test_a_confirmed_match_meets_at_the_next_session_both_attend_even_if_one_registers_later(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url) as service:
        await send(js, from_agency(a_session()), *registered())
        await send(js, from_matching(a_match("m-0000000000000001", company("th1"), company("jp2"))))
        [first] = await until_emitted(js, MeetingScheduled, 1)
        await send(js, from_matching(a_match("m-0000000000000002", company("th2"), "jp-0000000000099")))
        await send(js, from_agency(a_registration("reg-late", "jp-0000000000099", "ev-session", "ja"), "jp-mie"))
        second = (await until_emitted(js, MeetingScheduled, 2))[1]
        await relayed(service)
        held = await requests(service)

    assert (first.match_id, set(first.company_ids), first.interpreter) == (
        "m-0000000000000001",
        {company("th1"), company("jp2")},
        True,
    )
    assert (second.match_id, set(second.company_ids)) == ("m-0000000000000002", {company("th2"), "jp-0000000000099"})
    assert {r.origin for r in held.values()} == {"match"}
    assert len(await emitted(js, MeetingScheduled)) == 2


async def test_an_unanswered_request_expires_and_can_no_longer_be_accepted(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url) as service:
        await send(js, from_agency(a_session()), *registered())
        now = datetime.now(UTC)
        request = a_request(
            "mr-soon", company("th1"), company("jp1"), requested_at=now, respond_by=now + timedelta(seconds=1)
        )
        await send(js, from_agency(request))

        async def expired() -> bool:
            held = (await requests(service)).get("mr-soon")
            return held is not None and held.status == "expired"

        await eventually(expired, what="the request expired")
        await send(js, from_agency(an_answer("mr-soon", company("jp1")), "jp-mie"))
        [letter] = await until_dead_lettered(js, 1)

    assert "expired" in letter.failure.reason
    assert await emitted(js, MeetingScheduled) == []


def handed(message: OutgoingMessage, contract: type[C]) -> Event[C]:
    """The event as the consumer hands it to a handler: for calling handlers in transactions of our own."""
    return accept(decode(message.subject, message.headers, message.body, max_bytes=1 << 20), contract)


async def test_a_match_confirmed_while_one_of_its_companies_is_given_a_place_still_gets_its_meeting(
    nats_server: Broker, js: JetStreamContext, postgres_url: str
) -> None:
    """Two transactions at once (the events' two consumers), neither seeing what the other has not
    committed: the confirmation waits for the session the registration holds, then sees the place."""
    th, jp = company("th1"), company("jp1")
    async with running(nats_server.url, postgres_url) as service:
        await send(js, from_agency(a_session()), from_agency(a_registration("reg-th", th, "ev-session", "th", "en")))

        async def placed() -> bool:
            return [row.status for row in await rows(service, RegistrationRow)] == ["confirmed"]

        await eventually(placed, what="the Thai company's place")
        place = handed(
            from_agency(a_registration("reg-jp", jp, "ev-session", "ja", "en"), "jp-mie"), RegistrationSubmitted
        )
        match = handed(from_matching(a_match("m-0000000000000007", th, jp)), MatchConfirmed)

        async def confirm() -> None:
            async with service.transaction() as tx:
                await meet_confirmed_match(match, tx, rules=RULES)

        async with service.transaction() as tx:
            await register(place, tx, rules=RULES)
            confirming = asyncio.create_task(confirm())
            await asyncio.sleep(0.5)  # as far as it gets before the place is committed
        await confirming
        held = await requests(service)
    assert [request.match_id for request in held.values()] == ["m-0000000000000007"]
