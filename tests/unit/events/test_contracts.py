"""The contracts agencies publish to the events service: their examples hold, and inconsistent events are refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts.agency.event import (
    CheckInRecorded,
    EventPublished,
    MeetingRequested,
    MeetingResponseSubmitted,
    RegistrationCancellationSubmitted,
    RegistrationSubmitted,
)
from shared.contracts.base import Contract

INBOUND: tuple[type[Contract], ...] = (
    EventPublished,
    RegistrationSubmitted,
    RegistrationCancellationSubmitted,
    CheckInRecorded,
    MeetingRequested,
    MeetingResponseSubmitted,
)


def example(contract: type[Contract]) -> dict[str, Any]:
    """The contract's documented example: the first example of every field."""
    return {name: field.examples[0] for name, field in contract.model_fields.items() if field.examples}


@pytest.mark.parametrize("contract", INBOUND, ids=lambda contract: contract.__name__)
def test_the_documented_example_is_a_valid_event(contract: type[Contract]) -> None:
    contract.model_validate(example(contract))
    assert contract.route.filter.startswith("collab.in.*.event.")


def published(**changes: Any) -> dict[str, Any]:
    return {**example(EventPublished), **changes}


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as error:
        EventPublished.model_validate(data)
    return str(error.value)


def test_an_event_must_end_after_it_starts_and_close_registration_before_its_end() -> None:
    assert "ends_at must be after starts_at" in problems(published(ends_at="2027-02-10T08:00:00+07:00"))
    assert "registration_closes_at must be after" in problems(published(registration_closes_at="2026-11-01T00:00:00Z"))
    assert "must not be after ends_at" in problems(published(registration_closes_at="2027-03-01T00:00:00Z"))


def test_a_matching_session_needs_a_grid_inside_the_event_and_other_kinds_have_none() -> None:
    assert "needs a meeting_grid" in problems(published(meeting_grid=None))
    late = {**example(EventPublished)["meeting_grid"], "first_slot_starts_at": "2027-02-10T08:00:00Z"}
    assert "must lie between starts_at and ends_at" in problems(published(meeting_grid=late))
    assert "only a business_matching_session has a meeting_grid" in problems(published(kind="seminar"))
    EventPublished.model_validate(published(kind="seminar", meeting_grid=None))


def test_the_format_says_what_place_an_event_needs() -> None:
    assert "needs a venue" in problems(published(venue=None))
    assert "needs an online_url" in problems(published(format="online", venue=None, online_url=None))
    assert "needs an online_url" in problems(published(format="hybrid", online_url=None))
    EventPublished.model_validate(published(format="online", venue=None, online_url="https://meet.example.org/x"))


def test_times_must_carry_their_offset_and_zones_are_the_programmes_two() -> None:
    assert "timezone" in problems(published(starts_at="2027-02-10T09:00:00"))
    assert "timezone" in problems(published(timezone="Europe/Paris"))


def test_a_company_cannot_ask_to_meet_itself_nor_set_a_deadline_before_asking() -> None:
    request = example(MeetingRequested)
    with pytest.raises(ValidationError, match="cannot request a meeting with itself"):
        MeetingRequested.model_validate({**request, "invitee_company_id": request["requester_company_id"]})
    with pytest.raises(ValidationError, match="respond_by must be after requested_at"):
        MeetingRequested.model_validate({**request, "respond_by": "2027-01-01T00:00:00Z"})


def test_a_registration_names_at_least_one_attendee_who_speaks_a_language() -> None:
    registration = example(RegistrationSubmitted)
    with pytest.raises(ValidationError):
        RegistrationSubmitted.model_validate({**registration, "attendees": []})
    with pytest.raises(ValidationError):
        RegistrationSubmitted.model_validate({**registration, "attendees": [{"name": "A", "languages": []}]})
    with pytest.raises(ValidationError):
        CheckInRecorded.model_validate({**example(CheckInRecorded), "nonce": "short"})
