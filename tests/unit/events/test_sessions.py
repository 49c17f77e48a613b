"""Rules about events: who may change them, the registration window, check-ins, the meeting grid's times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.events.domain import Refused
from services.events.domain.sessions import (
    EventFacts,
    Grid,
    check_agency,
    check_cancellation,
    check_check_in,
    check_fields,
    check_registration,
    check_update,
)

T0 = datetime(2027, 2, 10, 2, 0, tzinfo=UTC)
GRID = Grid(
    first_slot_starts_at=T0 + timedelta(hours=1),
    slot_minutes=20,
    break_minutes=5,
    slots=4,
    tables=10,
    interpreters=2,
)
FACTS = EventFacts(
    event_id="ev-1",
    agency="th-dip",
    kind="business_matching_session",
    starts_at=T0,
    ends_at=T0 + timedelta(hours=7),
    capacity=10,
    attendees_per_registration=2,
    registration_opens_at=T0 - timedelta(days=30),
    registration_closes_at=T0 - timedelta(days=2),
    grid=GRID,
)


def refusal(call: object) -> Refused:
    assert callable(call)
    with pytest.raises(Refused) as error:
        call()
    return error.value


def test_slots_follow_one_another_with_their_breaks() -> None:
    assert GRID.slot_time(0) == (T0 + timedelta(hours=1), T0 + timedelta(hours=1, minutes=20))
    assert GRID.slot_time(2) == (T0 + timedelta(hours=1, minutes=50), T0 + timedelta(hours=2, minutes=10))


def test_slots_starting_within_the_lead_time_are_frozen() -> None:
    lead = timedelta(minutes=30)
    assert GRID.open_slots(T0, lead) == frozenset(range(4))
    assert GRID.open_slots(T0 + timedelta(hours=1), lead) == frozenset({2, 3})  # slot 1 starts in 25 min
    assert GRID.open_slots(T0 + timedelta(hours=3), lead) == frozenset()


def test_registration_is_open_from_its_opening_until_just_before_it_closes() -> None:
    check_registration(FACTS, submitted_at=FACTS.registration_opens_at, attendees=1)
    check_registration(FACTS, submitted_at=FACTS.registration_closes_at - timedelta(seconds=1), attendees=2)
    early = refusal(
        lambda: check_registration(FACTS, submitted_at=FACTS.registration_opens_at - timedelta(seconds=1), attendees=1)
    )
    assert "opens at 2027-01-11 02:00 UTC" in early.reason
    assert early.problems[0].field == "submitted_at"
    late = refusal(lambda: check_registration(FACTS, submitted_at=FACTS.registration_closes_at, attendees=1))
    assert "closed at 2027-02-08 02:00 UTC" in late.reason
    crowd = refusal(lambda: check_registration(FACTS, submitted_at=FACTS.registration_opens_at, attendees=3))
    assert crowd.problems[0].field == "attendees"


def test_only_the_publisher_changes_an_event_and_its_kind_stays() -> None:
    check_update(FACTS, agency="th-dip", kind="business_matching_session")
    assert "only that agency" in refusal(lambda: check_update(FACTS, agency="jp-mie", kind=FACTS.kind)).reason
    assert "kind cannot change" in refusal(lambda: check_update(FACTS, agency="th-dip", kind="seminar")).reason


def test_fields_of_cooperation_must_be_in_the_taxonomy() -> None:
    check_fields(("food_innovation",), frozenset({"food_innovation", "renewable_energy"}))
    unknown = refusal(lambda: check_fields(("food_innovation", "space_mining"), frozenset({"food_innovation"})))
    assert [p.field for p in unknown.problems] == ["fields.1"]


def test_cancelling_ends_with_the_event_and_only_confirmed_registrations_check_in() -> None:
    check_cancellation(FACTS, now=FACTS.ends_at - timedelta(seconds=1))
    refusal(lambda: check_cancellation(FACTS, now=FACTS.ends_at))
    check_check_in("r1", "confirmed")
    assert "waiting list" in refusal(lambda: check_check_in("r1", "waitlisted")).reason
    assert "cancelled" in refusal(lambda: check_check_in("r1", "cancelled")).reason


def test_an_agency_acts_only_for_what_it_registered() -> None:
    check_agency("Registration r1", sender="th-dip", allowed={"th-dip"})
    wrong = refusal(lambda: check_agency("Registration r1", sender="jp-mie", allowed={"th-dip"}))
    assert wrong.problems[0].field == "ce-source"


def test_an_event_without_a_grid_is_not_a_matching_session() -> None:
    assert FACTS.is_matching_session
    assert not replace(FACTS, kind="seminar", grid=None).is_matching_session
