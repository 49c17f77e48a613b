"""A submitted profile in matching's terms: normalised codes and places, or every problem named."""

from __future__ import annotations

import pytest

from services.matching.domain.profiles import (
    Capability,
    Company,
    ProfileRejected,
    Vocabulary,
    certification,
    from_record,
    read_profile,
    to_record,
)
from shared.reference import industries, regions
from shared.taxonomy import load_fields
from tests.unit.matching.builders import ise_seafood_importer, mie_freezing_machinery, siam_coastal_foods


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary(industries(), regions(), frozenset(load_fields().ids()))


def test_codes_places_tags_and_certifications_are_normalised(vocabulary: Vocabulary) -> None:
    profile = mie_freezing_machinery(
        certifications=["iso9001:2015", "  haccp "],
        offers=[{"kind": "technology_offer", "tags": ["  Quick   Freezing Equipment "], "sectors": ["tsic:28191"]}],
    )
    company = read_profile(profile, agency="jp-mie", vocabulary=vocabulary)
    assert company.region == "Yokkaichi"
    assert company.sectors == {"2819"}, "jsic:2535 (refrigerating machines) is ISIC 2819"
    assert company.certifications == {"ISO 9001", "HACCP"}
    assert company.offer_terms == {"t:quick freezing equipment", "s:2819"}
    assert company.seeks == {"distributor"}
    assert company.plays == {"supplier"}, "seeking a distributor makes it the supplier"


@pytest.mark.parametrize(
    ("spelling", "official"),
    [("Chonburi", "Chon Buri"), ("ชลบุรี", "Chon Buri"), ("Korat", "Nakhon Ratchasima"), ("bangkok", "Bangkok")],
)
def test_thai_provinces_are_accepted_as_people_write_them(vocabulary: Vocabulary, spelling: str, official: str) -> None:
    company = read_profile(siam_coastal_foods(region=spelling), agency="th-dip", vocabulary=vocabulary)
    assert company.region == official


def test_every_problem_is_reported_at_once_with_its_field(vocabulary: Vocabulary) -> None:
    bad = siam_coastal_foods(
        country="JP",
        region="Pattaya",
        sectors=["1020", "102", "abc"],
        fields=["food_innovation", "space_mining"],
        requests=[
            {"kind": "technology_request", "tags": ["cold chain"]},
            {"kind": "business_request", "tags": ["x"], "sectors": ["jsic:09"]},
        ],
    )
    with pytest.raises(ProfileRejected) as refused:
        read_profile(bad, agency="th-dip", vocabulary=vocabulary)
    problems = {problem.field: problem.problem for problem in refused.value.problems}
    assert set(problems) == {"country", "region", "sectors.1", "sectors.2", "fields.1", "requests.1.sectors.0"}
    assert "Thai company id" in problems["country"]
    assert "not a municipality of Mie" in problems["region"]
    assert "ISIC Rev.4 group" in problems["sectors.1"]
    assert "1020" in problems["sectors.1"], "the classes of the group are suggested"
    assert "four-digit detail code" in problems["requests.1.sectors.0"]
    assert "6 problems" in refused.value.reason


def test_the_stored_record_gives_back_the_same_company(vocabulary: Vocabulary) -> None:
    company = read_profile(ise_seafood_importer(), agency="jp-mie", vocabulary=vocabulary)
    record = to_record(company)
    assert "contact" not in record
    again = from_record(
        record,
        company_id=company.company_id,
        agency=company.agency,
        version=company.version,
        country=company.country,
        region=company.region,
        name={"en": company.name[0], "ja": company.name[2]},
        matchable=company.matchable,
        share_contact=company.share_contact,
    )
    assert again == company


def test_capabilities_add_offered_terms_and_held_certifications(vocabulary: Vocabulary) -> None:
    company: Company = read_profile(siam_coastal_foods(), agency="th-dip", vocabulary=vocabulary)
    haccp = Capability("food_safety_haccp", frozenset({"t:haccp", "t:food safety"}), frozenset({"HACCP", "BRC"}))
    trained = company.with_capabilities([haccp])
    assert trained.offered == company.offer_terms | {"t:haccp", "t:food safety"}
    assert trained.held == {"HACCP", "GMP", "BRC"}
    assert trained.offer_terms == company.offer_terms, "what the company declared is unchanged"
    assert trained.with_capabilities([haccp]) is trained


@pytest.mark.parametrize(
    ("written", "compared"),
    [("ISO 9001", "ISO 9001"), ("iso9001:2015", "ISO 9001"), ("IATF-16949", "IATF 16949"), ("Halal", "HALAL")],
)
def test_certifications_compare_whatever_their_spelling(written: str, compared: str) -> None:
    assert certification(written) == compared
