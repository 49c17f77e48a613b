"""The index survives restarts and replicas: it is rebuilt from the database and kept current per batch."""

from __future__ import annotations

from nats.js import JetStreamContext

from services.matching.domain.matches import match_id
from shared.contracts.matching import MatchProposed
from shared.synthetic import agency_of, profiles
from tests.integration.matching.harness import match_rows, matching, profile_rows, published, send
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.matching.builders import mie_freezing_machinery, siam_coastal_foods, suzuka_auto_parts


async def test_after_a_restart_a_new_profile_is_matched_against_those_stored_before(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")

        async def stored() -> bool:
            return len(await profile_rows(database_url)) == 1

        await eventually(stored, what="the first profile stored")
    async with matching(nats_server.url, database_url):
        await send(js, mie_freezing_machinery(), agency="jp-mie")

        async def proposed() -> bool:
            return len(await published(js, MatchProposed)) == 1

        await eventually(proposed, what="a proposal from the restarted service")


async def test_the_same_version_again_proposes_nothing_an_older_one_is_ignored_and_an_update_only_new_pairs(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        await send(js, mie_freezing_machinery(), agency="jp-mie")

        async def first() -> bool:
            return len(await published(js, MatchProposed)) == 1

        await eventually(first, what="the first proposal")
        await send(js, siam_coastal_foods(), agency="th-dip")  # same version, new event id
        await send(js, siam_coastal_foods(profile_version=2, region="Rayong"), agency="th-dip")  # older
        await send(js, suzuka_auto_parts(), agency="jp-mie")
        # Version 4 also offers machining: the Suzuka tier-1 becomes a partner; the Mie pair stays as it was.
        update = siam_coastal_foods(
            profile_version=4,
            offers=[
                *siam_coastal_foods().model_dump()["offers"],
                {"kind": "business_offer", "tags": ["cnc machining", "die casting"], "partnership": ["subcontracting"]},
            ],
        )
        await send(js, update, agency="th-dip")

        async def second() -> bool:
            return (await profile_rows(database_url))["th-0105551234567"].version == 4

        await eventually(second, what="version 4 stored")
    proposals = await published(js, MatchProposed)
    assert [proposal.match_id for proposal in proposals] == [
        match_id("th-0105551234567", "jp-1190001012345"),
        match_id("th-0105551234567", "jp-3190001054321"),
    ]
    assert (await profile_rows(database_url))["th-0105551234567"].region == "Chon Buri", "version 2 was not applied"
    assert len(await match_rows(database_url)) == 2


async def test_two_replicas_sharing_one_database_see_each_others_profiles(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    noise = list(profiles(40, seed=11))
    machinery = [mie_freezing_machinery(company_id=f"jp-119000101234{n}") for n in range(6)]
    async with matching(nats_server.url, database_url), matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        for profile in noise[:20]:
            await send(js, profile, agency=agency_of(profile))

        async def first_part() -> bool:
            return len(await profile_rows(database_url)) == 21

        await eventually(first_part, what="the first 21 profiles stored")
        # Whichever replica gets each of these must see the Thai processor the other may have stored.
        for maker, profile in zip(machinery, noise[20:26], strict=True):
            await send(js, maker, agency="jp-mie")
            await send(js, profile, agency=agency_of(profile))
        for profile in noise[26:]:
            await send(js, profile, agency=agency_of(profile))

        async def all_stored() -> bool:
            return len(await profile_rows(database_url)) == 47

        await eventually(all_stored, timeout=60, what="all 47 profiles stored")
    ids = [proposal.match_id for proposal in await published(js, MatchProposed)]
    assert len(ids) == len(set(ids)), "no pair is proposed twice, whichever replica handled it"
    assert {match_id("th-0105551234567", maker.company_id) for maker in machinery} <= set(ids)
    assert set(ids) == set(await match_rows(database_url))
