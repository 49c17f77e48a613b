"""Meeting requests: languages and interpreters, who may ask and answer, limits, expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.events.domain import Refused
from services.events.domain.meetings import (
    Participant,
    RequestFacts,
    answer,
    can_talk,
    check_request,
    needs_interpreter,
    pair_key,
    request_expiry,
    still_in_place,
)
from tests.unit.events.test_sessions import FACTS, GRID, T0

NOW = T0 - timedelta(days=5)


def participant(company_id: str, *languages: str, **changes: object) -> Participant:
    values: dict[str, object] = {
        "company_id": company_id,
        "status": "confirmed",
        "agency": "th-dip" if company_id.startswith("th") else "jp-mie",
        "languages": frozenset(languages),
    }
    values.update(changes)
    return Participant(**values)  # type: ignore[arg-type]


def request_refusal(**overrides: object) -> Refused:
    arguments: dict[str, object] = {
        "sender": "th-dip",
        "requester": participant("th-a", "th", "en"),
        "invitee": participant("jp-b", "ja"),
        "existing": None,
        "now": NOW,
    }
    arguments.update(overrides)
    with pytest.raises(Refused) as error:
        check_request(FACTS, **arguments)  # type: ignore[arg-type]
    return error.value


def test_an_interpreter_is_needed_when_two_companies_share_no_language() -> None:
    assert not needs_interpreter({"th", "en"}, {"ja", "en"})
    assert needs_interpreter({"th"}, {"ja"})
    assert can_talk({"th"}, {"ja"}), "a Thai↔Japanese interpreter bridges them"
    assert can_talk({"zh", "en"}, {"en"})
    assert not can_talk({"zh"}, {"ja"}), "the interpreters speak Thai and Japanese only"


def test_a_pair_has_one_key_whoever_asks() -> None:
    assert pair_key("th-a", "jp-b") == pair_key("jp-b", "th-a")


def test_a_request_between_two_confirmed_companies_is_taken() -> None:
    check_request(
        FACTS,
        sender="th-dip",
        requester=participant("th-a", "th"),
        invitee=participant("jp-b", "ja"),
        existing=None,
        now=NOW,
    )


def test_requests_are_refused_with_the_reason_the_agency_needs() -> None:
    assert "business-matching sessions" in request_refusal_for_seminar().reason
    assert "first slot started" in request_refusal(now=GRID.first_slot_starts_at).reason
    waiting = request_refusal(invitee=participant("jp-b", "ja", status="waitlisted"))
    assert (waiting.problems[0].field, waiting.problems[0].problem) == (
        "invitee_company_id",
        "is waitlisted, not confirmed",
    )
    assert "is not registered" in request_refusal(requester=participant("th-a", "th", status=None, agency=None)).reason
    assert "only that agency" in request_refusal(sender="jp-mie").reason
    assert "already have request mr-1" in request_refusal(existing="mr-1").reason
    assert "share no language" in request_refusal(requester=participant("th-a", "zh")).reason
    busy = request_refusal(invitee=participant("jp-b", "ja", open_requests=GRID.slots))
    assert "as many as the session has slots" in busy.reason


def request_refusal_for_seminar() -> Refused:
    with pytest.raises(Refused) as error:
        check_request(
            replace(FACTS, kind="seminar", grid=None),
            sender="th-dip",
            requester=participant("th-a", "th"),
            invitee=participant("jp-b", "ja"),
            existing=None,
            now=NOW,
        )
    return error.value


def test_a_request_expires_at_its_deadline_or_the_default_and_never_after_the_first_slot() -> None:
    ttl = timedelta(hours=72)
    assert request_expiry(GRID, request_id="mr", requested_at=NOW, respond_by=None, ttl=ttl, now=NOW) == NOW + ttl
    deadline = NOW + timedelta(hours=5)
    assert request_expiry(GRID, request_id="mr", requested_at=NOW, respond_by=deadline, ttl=ttl, now=NOW) == deadline
    late = GRID.first_slot_starts_at - timedelta(hours=1)
    assert (
        request_expiry(GRID, request_id="mr", requested_at=late, respond_by=None, ttl=ttl, now=late)
        == GRID.first_slot_starts_at
    )
    with pytest.raises(Refused, match="before it arrived"):
        request_expiry(GRID, request_id="mr", requested_at=NOW, respond_by=None, ttl=ttl, now=NOW + ttl)


PENDING = RequestFacts("mr-1", "jp-b", "jp-mie", "pending", NOW + timedelta(days=1))


def test_only_the_invitee_answers_through_its_agency_before_the_deadline() -> None:
    assert answer(PENDING, company_id="jp-b", sender="jp-mie", response="accept", now=NOW) == "accepted"
    assert answer(PENDING, company_id="jp-b", sender="jp-mie", response="decline", now=NOW) == "declined"
    with pytest.raises(Refused, match="was not invited"):
        answer(PENDING, company_id="th-a", sender="jp-mie", response="accept", now=NOW)
    with pytest.raises(Refused, match="only that agency"):
        answer(PENDING, company_id="jp-b", sender="th-dip", response="accept", now=NOW)
    with pytest.raises(Refused, match="expired"):
        answer(PENDING, company_id="jp-b", sender="jp-mie", response="accept", now=PENDING.expires_at)


def test_the_same_answer_again_changes_nothing_and_a_different_one_is_refused() -> None:
    accepted = replace(PENDING, status="accepted")
    assert answer(accepted, company_id="jp-b", sender="jp-mie", response="accept", now=NOW) is None
    with pytest.raises(Refused, match="already accepted"):
        answer(accepted, company_id="jp-b", sender="jp-mie", response="decline", now=NOW)
    with pytest.raises(Refused, match="already expired"):
        answer(replace(PENDING, status="expired"), company_id="jp-b", sender="jp-mie", response="accept", now=NOW)


def test_an_announced_meeting_keeps_its_slot_while_the_slot_starts_when_announced() -> None:
    starts = GRID.slot_time(1)[0]
    assert still_in_place(GRID, slot=1, starts_at=starts)
    assert not still_in_place(replace(GRID, break_minutes=10), slot=1, starts_at=starts)
    assert not still_in_place(replace(GRID, slots=1), slot=1, starts_at=starts)
