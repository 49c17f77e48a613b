"""The loop the programme is for: staff complete training, the company gains a verified capability,
and matching proposes the partner that required it. Two real services, each with its own database."""

from __future__ import annotations

from collections.abc import Callable

from nats.js import JetStreamContext

from shared.contracts.matching import MatchProposed
from tests.integration.matching.harness import matching, profile_rows, published
from tests.integration.matching.harness import send as send_profile
from tests.integration.training.support import course, event, running, send, skill_records, training_service, xapi
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.matching.builders import chanthaburi_shrimp_farm, ise_seafood_importer

SHRIMP, IMPORTER = "th-0225559876543", "jp-5190001099999"


async def test_a_haccp_completion_gives_the_shrimp_farm_the_match_the_importer_required_it_for(
    nats_server: Broker, js: JetStreamContext, database_url: str, another_database: Callable[[], str]
) -> None:
    training_database = another_database()
    async with matching(nats_server.url, database_url), running(training_service(nats_server.url, training_database)):
        await send_profile(js, ise_seafood_importer(), agency="jp-mie")
        await send_profile(js, chanthaburi_shrimp_farm(), agency="th-dip")

        async def both_stored() -> bool:
            return set(await profile_rows(database_url)) == {SHRIMP, IMPORTER}

        await eventually(both_stored, what="both companies registered for matching")
        assert await published(js, MatchProposed) == [], "the importer requires HACCP, which the farm lacks"

        # The Thai agency's LMS reports a passed HACCP course for one of the farm's staff (xAPI).
        await send(js, event(course()), event(xapi(SHRIMP), agency="th-dip"))

        async def proposed() -> bool:
            return len(await published(js, MatchProposed)) == 1

        await eventually(proposed, timeout=60, what="the proposal the training made possible")
    records = {record.skill_id: record for record in await skill_records(js)}
    assert (records["food_safety_haccp"].company_id, records["food_safety_haccp"].holders) == (SHRIMP, 1)
    assert not any("somchai" in r.model_dump_json() for r in records.values()), "no learner data leaves training"
    [proposal] = await published(js, MatchProposed)
    assert {proposal.a.company_id, proposal.b.company_id} == {SHRIMP, IMPORTER}
    verified = [reason for reason in proposal.reasons if reason.code == "verified_capability"]
    assert {skill for reason in verified for skill in reason.skills} == {"food_safety_haccp"}
    assert "HACCP" in {certification for reason in verified for certification in reason.certifications}
