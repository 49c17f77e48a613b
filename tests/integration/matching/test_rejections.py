"""Bad input is refused field by field: into the DLQ, the agency told, the good events behind it processed."""

from __future__ import annotations

import json

from nats.js import JetStreamContext

from shared.contracts.agency.match import MatchResponseSubmitted
from shared.contracts.rejections import EventRejected
from shared.messaging import dlq
from tests.integration.matching.harness import matching, profile_rows, send
from tests.support.infra import Broker
from tests.support.probe import eventually, stored
from tests.unit.matching.builders import mie_freezing_machinery, siam_coastal_foods


async def test_unknown_codes_regions_and_fields_are_rejected_to_the_dlq_and_the_agency_is_told(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    bad_profile = siam_coastal_foods(
        sectors=["1021", "jsic:1025"], region="Chonbury", fields=["food_innovation", "space_mining"]
    )
    async with matching(nats_server.url, database_url):
        refused = await send(js, bad_profile, agency="th-dip")
        stranger = await send(
            js,
            MatchResponseSubmitted(match_id="m-0000000000000000", company_id="th-0105551234567", response="accept"),
            agency="th-dip",
        )
        await send(js, mie_freezing_machinery(), agency="jp-mie")

        async def settled() -> bool:
            return len(await dlq.scan(js, service="matching")) == 2 and len(await profile_rows(database_url)) == 1

        await eventually(settled, what="two dead letters and the good profile stored")
    letters = {letter.event_id: letter for letter in await dlq.scan(js, service="matching")}
    profile_letter = letters[refused.id]
    assert profile_letter.failure.kind == "permanent"
    assert profile_letter.deliveries == 1
    problems = {problem.field: problem.problem for problem in profile_letter.failure.problems}
    assert set(problems) == {"sectors.0", "sectors.1", "region", "fields.1"}
    assert "TSIC 2009 class" in problems["sectors.0"]
    assert "new in JSIC Rev.14" in problems["sectors.1"]
    assert "did you mean Chon Buri" in problems["region"]
    assert "space_mining" in problems["fields.1"]
    assert "food_innovation" in problems["fields.1"], "the known fields are listed"
    assert [problem.field for problem in letters[stranger.id].failure.problems] == ["match_id"]

    notices = [
        EventRejected.model_validate(json.loads(message.data or b"{}"))
        for message in await stored(js, "COLLAB_OUT", "collab.out.th-dip.rejected.v1")
    ]
    by_event = {notice.event_id: notice for notice in notices}
    assert by_event[refused.id].rejected_by == "matching"
    assert {problem.field for problem in by_event[refused.id].problems} == set(problems)
    assert stranger.id in by_event
    assert await stored(js, "COLLAB_OUT", "collab.out.jp-mie.>") == [], "the other agency hears nothing"


async def test_an_agency_cannot_answer_or_overwrite_for_another_agencys_company(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with matching(nats_server.url, database_url):
        await send(js, siam_coastal_foods(), agency="th-dip")
        hijack = await send(js, siam_coastal_foods(profile_version=9, region="Rayong"), agency="jp-mie")

        async def refused() -> bool:
            return len(await dlq.scan(js, service="matching")) == 1

        await eventually(refused, what="the foreign update refused")
    [letter] = await dlq.scan(js, service="matching")
    assert letter.event_id == hijack.id
    assert [problem.field for problem in letter.failure.problems] == ["company_id"]
    assert (await profile_rows(database_url))["th-0105551234567"].region == "Chon Buri"
