"""Training feeds matching: a skill record gives a company a verified capability, which can create a match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nats.js import JetStreamContext

from shared.contracts.common import LocalizedText
from shared.contracts.matching import MatchProposed
from shared.contracts.training import SkillLevels, SkillRecordUpdated
from tests.integration.matching.harness import (
    matching,
    profile_rows,
    published,
    send,
    send_from_training,
    skill_rows,
)
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.matching.builders import chanthaburi_shrimp_farm, ise_seafood_importer

SHRIMP, IMPORTER = "th-0225559876543", "jp-5190001099999"


def haccp_record(holders: int, at: datetime) -> SkillRecordUpdated:
    return SkillRecordUpdated(
        company_id=SHRIMP,
        skill_id="food_safety_haccp",
        skill=LocalizedText(en="Food safety (HACCP)", th="ความปลอดภัยอาหาร (HACCP)", ja="食品安全（HACCP）"),
        holders=holders,
        levels=SkillLevels(introductory=holders),
        course_id="c-haccp-101",
        updated_at=at,
    )


async def test_staff_completing_haccp_training_creates_the_match_the_importer_required_it_for(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    now = datetime.now(UTC)
    async with matching(nats_server.url, database_url):
        await send(js, ise_seafood_importer(), agency="jp-mie")
        await send(js, chanthaburi_shrimp_farm(), agency="th-dip")

        async def both_stored() -> bool:
            return set(await profile_rows(database_url)) == {SHRIMP, IMPORTER}

        await eventually(both_stored, what="both profiles stored")
        assert await published(js, MatchProposed) == [], "without HACCP the importer's request cannot be met"

        await send_from_training(js, haccp_record(2, now))

        async def proposed() -> bool:
            return len(await published(js, MatchProposed)) == 1

        await eventually(proposed, what="a proposal after the training")
        # An older record arriving late changes nothing; the same record again proposes nothing new.
        await send_from_training(js, haccp_record(0, now - timedelta(days=1)))
        await send_from_training(js, haccp_record(2, now + timedelta(seconds=1)))
        await send(js, chanthaburi_shrimp_farm(profile_version=2), agency="th-dip")

        async def version_two() -> bool:
            return (await profile_rows(database_url))[SHRIMP].version == 2

        await eventually(version_two, what="the updated profile")
    [proposal] = await published(js, MatchProposed)
    assert proposal.a.company_id == SHRIMP, "the company that gained the capability triggers the proposal"
    verified = [reason for reason in proposal.reasons if reason.code == "verified_capability"]
    assert verified
    assert all(reason.offered_by == "a" for reason in verified)
    assert {"food_safety_haccp"} == {skill for reason in verified for skill in reason.skills}
    assert "HACCP" in {cert for reason in verified for cert in reason.certifications}
    met = next(reason for reason in proposal.reasons if reason.code == "offer_meets_request")
    assert set(met.tags) == {"frozen shrimp", "frozen squid"}


async def test_a_skill_recorded_before_the_profile_counts_once_the_profile_arrives(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send_from_training(js, haccp_record(1, datetime.now(UTC)))
        await send(js, ise_seafood_importer(), agency="jp-mie")

        async def stored_first() -> bool:
            return IMPORTER in await profile_rows(database_url) and (SHRIMP, "food_safety_haccp") in await skill_rows(
                database_url
            )

        await eventually(stored_first, what="the importer and the skill record stored")
        await send(js, chanthaburi_shrimp_farm(), agency="th-dip")

        async def proposed() -> bool:
            return len(await published(js, MatchProposed)) == 1

        await eventually(proposed, what="a proposal")
    [proposal] = await published(js, MatchProposed)
    assert any(reason.code == "verified_capability" for reason in proposal.reasons)
