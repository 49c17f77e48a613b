"""Profiles in, explained proposals out, over a real nats-server and both databases."""

from __future__ import annotations

from nats.js import JetStreamContext

from services.matching.domain.matches import match_id
from shared.contracts.matching import MatchProposed
from tests.integration.matching.harness import match_rows, matching, profile_rows, published, raw_published, send
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.matching.builders import mie_freezing_machinery, siam_coastal_foods, suzuka_auto_parts


async def test_a_profile_that_complements_a_stored_one_is_proposed_with_its_reasons_and_no_contacts(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        await send(js, suzuka_auto_parts(), agency="jp-mie")
        await send(js, mie_freezing_machinery(), agency="jp-mie")

        async def proposed() -> bool:
            return len(await published(js, MatchProposed)) >= 1

        await eventually(proposed, what="a proposal")
    [proposal] = await published(js, MatchProposed)
    assert proposal.match_id == match_id("th-0105551234567", "jp-1190001012345")
    assert (proposal.a.company_id, proposal.b.company_id) == ("jp-1190001012345", "th-0105551234567")
    assert (proposal.a.region, proposal.b.region) == ("Yokkaichi", "Chon Buri")
    assert proposal.a.name.ja == "三重冷凍機械株式会社"
    codes = [reason.code for reason in proposal.reasons]
    assert codes[0] == "offer_meets_request"
    by_side = {reason.offered_by: reason for reason in proposal.reasons if reason.code == "offer_meets_request"}
    assert set(by_side["a"].tags) == {"quick freezing equipment", "cold chain"}
    assert "frozen seafood" in by_side["b"].tags
    assert {"partnership_fit", "shared_field", "shared_language"} <= set(codes)
    assert abs(sum(reason.weight for reason in proposal.reasons) - proposal.score) < 0.01
    assert not proposal.interpreter_needed
    body = (await raw_published(js, MatchProposed))[0]
    assert "somchai" not in str(body).lower()
    assert "contact" not in body["a"]
    assert "contact" not in body["b"]

    rows = await match_rows(database_url)
    assert rows[proposal.match_id].status == "proposed"
    profiles = await profile_rows(database_url)
    assert profiles["th-0105551234567"].region == "Chon Buri"
    assert profiles["jp-1190001012345"].profile["sectors"] == ["2819"], "jsic:2535 is normalised to ISIC 2819"
