"""Scoring realistic pairs: complementarity both ways, context, certifications a request names, trained skills."""

from __future__ import annotations

import pytest

from services.matching.domain.profiles import Capability, Company, Vocabulary, read_profile
from services.matching.domain.scoring import Weights, assess, score
from shared.contracts.agency.company import ProfileSubmitted
from shared.reference import industries, regions
from shared.synthetic import agency_of, profiles
from shared.taxonomy import load_fields
from tests.unit.matching.builders import (
    chanthaburi_shrimp_farm,
    ise_seafood_importer,
    mie_freezing_machinery,
    siam_coastal_foods,
    suzuka_auto_parts,
)

WEIGHTS = Weights()
HACCP_TRAINING = Capability("food_safety_haccp", frozenset({"t:haccp", "t:food safety"}), frozenset({"HACCP"}))


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary(industries(), regions(), frozenset(load_fields().ids()))


def company(profile: ProfileSubmitted, vocabulary: Vocabulary) -> Company:
    return read_profile(profile, agency=agency_of(profile), vocabulary=vocabulary)


def test_the_issues_seafood_processor_and_a_freezing_machinery_maker_fit_and_every_reason_is_weighed(
    vocabulary: Vocabulary,
) -> None:
    mie, siam = company(mie_freezing_machinery(), vocabulary), company(siam_coastal_foods(), vocabulary)
    assessment = assess(mie, siam, WEIGHTS)
    # Mie asked for 2 terms and Siam offers 1 (0.5); Siam asked for 2 and Mie offers both (1.0): need 0.75.
    # Context: base 0.45 + shared field 0.15 + partnership fit 0.15 + English 0.10 = 0.85.
    assert assessment.need == pytest.approx(0.75)
    assert assessment.score == pytest.approx(0.75 * 0.85)
    summary = [(r.code, r.offered_by, r.weight) for r in assessment.reasons]
    assert summary == [
        ("offer_meets_request", "a", 0.225),
        ("offer_meets_request", "b", 0.1125),
        ("partnership_fit", None, 0.1125),
        ("shared_field", None, 0.1125),
        ("shared_language", None, 0.075),
    ]
    assert sum(reason.weight for reason in assessment.reasons) == pytest.approx(assessment.score, abs=1e-3)
    by_side = {reason.offered_by: reason for reason in assessment.reasons if reason.code == "offer_meets_request"}
    assert by_side["a"].tags == ("cold chain", "quick freezing equipment")
    assert by_side["b"].tags == ("frozen seafood",)
    fit = next(reason for reason in assessment.reasons if reason.code == "partnership_fit")
    assert set(fit.partnerships) == {"supplier", "buyer", "distributor", "technology_licensing"}
    assert not assessment.interpreter_needed


def test_the_score_is_the_same_from_either_side(vocabulary: Vocabulary) -> None:
    stored = [company(p, vocabulary) for p in profiles(300, seed=5)]
    for a, b in zip(stored, reversed(stored), strict=True):
        assert score(a, b, WEIGHTS) == pytest.approx(score(b, a, WEIGHTS))


def test_shared_field_language_and_sector_without_complementarity_score_nothing(vocabulary: Vocabulary) -> None:
    twin = company(siam_coastal_foods(company_id="jp-9190001000001", country="JP", region="Toba"), vocabulary)
    siam = company(siam_coastal_foods(), vocabulary)
    assert score(siam, twin, WEIGHTS) == 0.0, "two shrimp processors wanting the same things do not complement"
    assert score(siam, company(suzuka_auto_parts(), vocabulary), WEIGHTS) == 0.0


def test_a_request_naming_a_certification_is_met_only_by_a_holder(vocabulary: Vocabulary) -> None:
    importer = company(ise_seafood_importer(), vocabulary)
    uncertified = company(chanthaburi_shrimp_farm(), vocabulary)
    certified = company(chanthaburi_shrimp_farm(certifications=["HACCP"]), vocabulary)
    assert score(importer, uncertified, WEIGHTS) == 0.0
    held = assess(importer, certified, WEIGHTS)
    # Two of three requested terms (the HACCP keyword is not offered): 2/3 one way, nothing back; context 0.80.
    assert held.score == pytest.approx((2 / 3) / 2 * 0.80)
    certification = next(reason for reason in held.reasons if reason.code == "certification_held")
    assert (certification.offered_by, certification.certifications) == ("b", ("HACCP",))
    assert held.interpreter_needed, "Japanese only and Thai only"
    assert [r.code for r in held.reasons][-1] == "interpreter_needed"


def test_a_capability_verified_by_training_meets_the_request_and_says_which_skill(vocabulary: Vocabulary) -> None:
    importer = company(ise_seafood_importer(), vocabulary)
    trained = company(chanthaburi_shrimp_farm(), vocabulary).with_capabilities([HACCP_TRAINING])
    assessment = assess(trained, importer, WEIGHTS)
    assert assessment.score == pytest.approx(0.5 * 0.85)
    verified = [reason for reason in assessment.reasons if reason.code == "verified_capability"]
    assert len(verified) == 1
    assert verified[0].offered_by == "a"
    assert verified[0].tags == ("haccp",)
    assert verified[0].skills == ("food_safety_haccp",)
    assert verified[0].certifications == ("HACCP",)
    offered = next(reason for reason in assessment.reasons if reason.code == "offer_meets_request")
    assert offered.tags == ("frozen shrimp", "frozen squid")


def test_partnerships_fit_when_one_side_sells_what_the_other_buys(vocabulary: Vocabulary) -> None:
    buyer = company(mie_freezing_machinery(), vocabulary)
    both_buyers = company(
        siam_coastal_foods(
            offers=[{"kind": "business_offer", "tags": ["frozen seafood"], "partnership": ["supplier"]}],
            requests=[{"kind": "technology_request", "tags": ["cold chain"], "partnership": ["supplier"]}],
        ),
        vocabulary,
    )
    seller = company(siam_coastal_foods(), vocabulary)
    assert any(reason.code == "partnership_fit" for reason in assess(buyer, seller, WEIGHTS).reasons)
    narrow = assess(
        company(
            mie_freezing_machinery(
                offers=[],
                requests=[{"kind": "business_request", "tags": ["frozen seafood"], "partnership": ["supplier"]}],
            ),
            vocabulary,
        ),
        both_buyers,
        WEIGHTS,
    )
    assert not any(reason.code == "partnership_fit" for reason in narrow.reasons), "two buyers do not fit"


def test_meeting_saturation_terms_counts_as_fully_met(vocabulary: Vocabulary) -> None:
    many = company(
        siam_coastal_foods(
            requests=[
                {
                    "kind": "technology_request",
                    "tags": [
                        "cold chain",
                        "quick freezing equipment",
                        "iqf freezer",
                        "spiral freezer",
                        "ammonia refrigeration",
                    ],
                }
            ]
        ),
        vocabulary,
    )
    maker = company(mie_freezing_machinery(), vocabulary)
    assert assess(many, maker, WEIGHTS).need == pytest.approx((1.0 + 0.5) / 2)
    assert assess(many, maker, Weights(saturation=5)).need == pytest.approx((3 / 5 + 0.5) / 2)


def test_weights_come_from_configuration(vocabulary: Vocabulary) -> None:
    mie, siam = company(mie_freezing_machinery(), vocabulary), company(siam_coastal_foods(), vocabulary)
    language_matters = Weights(
        field=0.05, partnership=0.05, language=0.5, sector=0.0, certification=0.0, capability=0.0
    )
    assert language_matters.base == pytest.approx(0.4)
    assert score(mie, siam, language_matters) == pytest.approx(0.75 * (0.4 + 0.05 + 0.05 + 0.5))
