"""A company withdraws: its places go to the next in line, its meetings are cancelled, its personal data erased."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import select

from services.events.store import EventsBase
from shared.contracts.agency.company import ProfileWithdrawn
from shared.contracts.events import MeetingCancelled, MeetingScheduled, RegistrationCancelled, RegistrationPromoted
from shared.runtime.service import Service
from tests.integration.events.builders import (
    a_match,
    a_registration,
    a_session,
    an_event,
    emitted,
    from_agency,
    from_matching,
    registrations,
    relayed,
    running,
    send,
    until_emitted,
)
from tests.support.infra import Broker

LEAVING = "th-0105551234567"
NAME, EMAIL = f"Attendee of {LEAVING}", f"{LEAVING}@example.org"


async def every_value(service: Service) -> list[Any]:
    """Every value of every row of every table the events service owns."""
    values: list[Any] = []
    async with service.sessions() as session:
        for table in EventsBase.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values.extend(row)
    return values


async def test_withdrawal_releases_places_cancels_meetings_and_erases_the_companys_personal_data(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(nats_server.url, database_url) as service:
        await send(js, from_agency(an_event(capacity=1)), from_agency(a_session()))
        await send(
            js,
            from_agency(a_registration("reg-seminar", LEAVING, "ev-test")),
            from_agency(a_registration("reg-next", "th-0000000000002", "ev-test")),
            from_agency(a_registration("reg-session", LEAVING, "ev-session", "th", "en")),
            from_agency(a_registration("reg-partner", "jp-0000000000001", "ev-session", "ja", "en"), "jp-mie"),
        )
        await send(js, from_matching(a_match("m-0000000000000001", LEAVING, "jp-0000000000001")))
        [meeting] = await until_emitted(js, MeetingScheduled, 1)
        assert NAME in repr(await every_value(service)), "the attendee is stored before the withdrawal"

        await send(js, from_agency(ProfileWithdrawn(company_id=LEAVING, reason="Company request under PDPA")))
        [promoted] = await until_emitted(js, RegistrationPromoted, 1)
        await relayed(service)
        cancelled = await emitted(js, RegistrationCancelled)
        meetings_cancelled = await emitted(js, MeetingCancelled)
        held = await registrations(service)
        values = await every_value(service)

    assert promoted.registration_id == "reg-next"
    assert sorted((c.registration_id, c.reason) for c in cancelled) == [
        ("reg-seminar", "withdrawn"),
        ("reg-session", "withdrawn"),
    ]
    assert [(c.meeting_id, c.reason) for c in meetings_cancelled] == [(meeting.meeting_id, "withdrawn")]
    for registration in ("reg-seminar", "reg-session"):
        row = held[registration]
        assert (row.status, row.company_id, row.attendees, row.languages) == ("cancelled", None, None, [])
        assert row.erased_at is not None
    assert held["reg-partner"].company_id == "jp-0000000000001", "the other side keeps its registration"
    text = repr(values)
    for personal in (LEAVING, NAME, EMAIL):
        assert personal not in text, f"{personal} is still stored"
