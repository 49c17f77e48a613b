"""The synthetic profiles: deterministic per seed, valid, varied, and complementary across the border."""

from __future__ import annotations

from collections import Counter

import pytest

from services.matching.domain.index import CandidateIndex
from services.matching.domain.profiles import Company, Vocabulary, read_profile
from services.matching.domain.scoring import Weights
from shared.contracts.agency.company import ProfileSubmitted
from shared.reference import industries, regions
from shared.synthetic import agency_of, profile, profiles
from shared.taxonomy import load_fields


@pytest.fixture(scope="module")
def batch() -> list[ProfileSubmitted]:
    return list(profiles(2_000, seed=7))


def test_the_same_seed_gives_the_same_profiles_whatever_the_count(batch: list[ProfileSubmitted]) -> None:
    assert list(profiles(50, seed=7)) == batch[:50]
    assert list(profiles(10, seed=7, start=100)) == batch[100:110]
    assert profile(3, seed=7) == batch[3]
    assert list(profiles(50, seed=8)) != batch[:50]


def test_every_profile_is_valid_for_matching_and_ids_are_unique(batch: list[ProfileSubmitted]) -> None:
    vocabulary = Vocabulary(industries(), regions(), frozenset(load_fields().ids()))
    companies = [read_profile(p, agency=agency_of(p), vocabulary=vocabulary) for p in batch]
    assert len({company.company_id for company in companies}) == len(batch)


def test_profiles_look_like_the_programmes_companies(batch: list[ProfileSubmitted]) -> None:
    countries = Counter(p.country for p in batch)
    assert 0.4 < countries["TH"] / len(batch) < 0.6
    thai = [p for p in batch if p.country == "TH"]
    japanese = [p for p in batch if p.country == "JP"]
    assert all(p.name.th and p.name.en and p.company_id.startswith("th-") for p in thai)
    assert all(p.name.ja and p.name.en and p.company_id.startswith("jp-") for p in japanese)
    assert any(len(code) == 5 for p in thai for code in p.sectors), "some Thai sectors come as TSIC codes"
    assert any(code.startswith("jsic:") for p in japanese for code in p.sectors)
    assert any(p.region == "四日市市" for p in japanese)
    assert any(p.region == "Chonburi" for p in thai)
    assert 0.9 < sum(p.consent.matching for p in batch) / len(batch) < 1.0, "a few withhold consent"
    assert len({p.contact.email for p in batch}) > len(batch) * 0.9
    tags = Counter(tag for p in batch for listing in (*p.offers, *p.requests) for tag in listing.tags)
    assert len(tags) > 150


def test_most_companies_find_a_partner_across_the_border(batch: list[ProfileSubmitted]) -> None:
    vocabulary = Vocabulary(industries(), regions(), frozenset(load_fields().ids()))
    companies: list[Company] = [read_profile(p, agency=agency_of(p), vocabulary=vocabulary) for p in batch]
    index = CandidateIndex.build(Weights(), companies[:1_800])
    found = [bool(index.search(company, k=5, threshold=0.3)) for company in companies[1_800:]]
    assert sum(found) / len(found) > 0.8
