"""A match's life: proposed, accepted by one, then confirmed, declined, expired or withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.matching.domain.matches import (
    Match,
    Party,
    ResponseRefused,
    confirmation,
    declined,
    expire,
    match_id,
    pair_key,
    propose,
    respond,
    withdraw,
)
from services.matching.domain.profiles import Vocabulary, read_profile
from services.matching.domain.scoring import Weights, assess
from shared.contracts.agency.company import Contact
from shared.contracts.common import LocalizedText
from shared.reference import industries, regions
from shared.taxonomy import load_fields
from tests.unit.matching.builders import mie_freezing_machinery, siam_coastal_foods

NOW = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)
SIAM, MIE = "th-0105551234567", "jp-1190001012345"


def proposed() -> Match:
    return Match(match_id(MIE, SIAM), MIE, SIAM, "proposed", frozenset(), NOW, NOW + timedelta(days=14))


def party(company_id: str, *, shares: bool) -> Party:
    contact = Contact(name="Somchai P.", email=f"{company_id}@example.co.th", preferred_language="th")
    return Party(company_id, "th-dip", LocalizedText(en=company_id), contact, shares)


def test_the_match_id_is_the_pairs_whichever_side_comes_first() -> None:
    assert match_id(SIAM, MIE) == match_id(MIE, SIAM)
    assert match_id(SIAM, MIE) != match_id(SIAM, "jp-2190001077777")
    assert match_id(SIAM, MIE).startswith("m-")
    assert len(match_id(SIAM, MIE)) == 18
    assert pair_key(match_id(SIAM, MIE)) == int(match_id(SIAM, MIE)[2:], 16)


def test_a_proposal_announces_both_sides_without_contacts_and_expires_after_the_ttl() -> None:
    vocabulary = Vocabulary(industries(), regions(), frozenset(load_fields().ids()))
    mie = read_profile(mie_freezing_machinery(), agency="jp-mie", vocabulary=vocabulary)
    siam = read_profile(siam_coastal_foods(), agency="th-dip", vocabulary=vocabulary)
    match, event = propose(mie, siam, assess(mie, siam, Weights()), NOW, timedelta(days=14))
    assert (match.status, match.a, match.b) == ("proposed", MIE, SIAM)
    assert event.expires_at == NOW + timedelta(days=14)
    assert (event.a.region, event.b.region) == ("Yokkaichi", "Chon Buri")
    assert event.b.name.th == "บริษัท สยามโคสตัลฟู้ดส์ จำกัด"
    assert "contact" not in event.model_dump_json()
    assert event.score == pytest.approx(0.6375)


def test_accepted_by_one_then_by_the_other_is_confirmed() -> None:
    first = respond(proposed(), SIAM, "accept", NOW)
    assert (first.outcome, first.match.status, first.match.accepted_by) == ("accepted", "accepted", frozenset({SIAM}))
    again = respond(first.match, SIAM, "accept", NOW)
    assert again.outcome == "unchanged"
    both = respond(first.match, MIE, "accept", NOW + timedelta(hours=2))
    assert (both.outcome, both.match.status) == ("confirmed", "confirmed")
    assert both.match.closed_at == NOW + timedelta(hours=2)
    assert respond(both.match, MIE, "accept", NOW).outcome == "unchanged", "a repeated accept is harmless"


def test_a_decline_by_either_side_closes_the_match_even_after_one_accepted() -> None:
    accepted = respond(proposed(), SIAM, "accept", NOW).match
    answered = respond(accepted, MIE, "decline", NOW)
    assert (answered.outcome, answered.match.status) == ("declined", "declined")
    event = declined(answered.match, MIE)
    assert (event.declined_by, set(event.company_ids)) == (MIE, {SIAM, MIE})


@pytest.mark.parametrize("response", ["accept", "decline"])
def test_answers_to_a_closed_match_are_refused_saying_why(response: str) -> None:
    expired, _ = expire(proposed(), NOW)
    with pytest.raises(ResponseRefused) as refused:
        respond(expired, SIAM, response, NOW)  # type: ignore[arg-type]
    assert "already expired" in refused.value.reason
    assert [problem.field for problem in refused.value.problems] == ["match_id"]


def test_a_company_outside_the_match_cannot_answer_it() -> None:
    with pytest.raises(ResponseRefused) as refused:
        respond(proposed(), "th-0105559999999", "accept", NOW)
    assert [problem.field for problem in refused.value.problems] == ["company_id"]


def test_expiry_and_withdrawal_close_the_match_and_say_so() -> None:
    expired, expiry = expire(proposed(), NOW)
    assert (expired.status, expiry.expired_at, set(expiry.company_ids)) == ("expired", NOW, {SIAM, MIE})
    withdrawn, withdrawal = withdraw(respond(proposed(), MIE, "accept", NOW).match, SIAM, NOW)
    assert (withdrawn.status, withdrawal.withdrawn_by) == ("withdrawn", SIAM)


@pytest.mark.parametrize(
    ("a_shares", "b_shares", "shared"), [(True, True, True), (True, False, False), (False, False, False)]
)
def test_contacts_travel_only_when_both_consented(a_shares: bool, b_shares: bool, shared: bool) -> None:
    confirmed = respond(respond(proposed(), SIAM, "accept", NOW).match, MIE, "accept", NOW).match
    event = confirmation(confirmed, party(MIE, shares=a_shares), party(SIAM, shares=b_shares))
    assert (event.a.contact is not None, event.b.contact is not None) == (shared, shared)
    assert event.confirmed_at == NOW
