"""`kakehashi dlq list | show | replay` as an operator runs them, against real dead letters."""

from __future__ import annotations

import json

import pytest
from nats.js import JetStreamContext

from shared.messaging import dlq
from shared.messaging.envelope import NATS_MSG_ID
from shared.messaging.publisher import publish
from tests.support.cli import kakehashi
from tests.support.infra import Broker
from tests.support.probe import (
    Probe,
    create_effects_table,
    effects,
    eventually,
    probe_event,
    probe_service,
    with_headers,
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_operator_lists_shows_and_replays_dead_letters(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes", refused={"p-2"})
    service = probe_service(nats_server.url, database_url, probe)
    refused = probe_event("p-2", note="ยังไม่พร้อม")
    malformed = with_headers(probe_event("p-3", event_id="bad-count"), Nats_Msg_Id="bad-count")
    malformed = type(malformed)(malformed.subject, malformed.headers, b'{"probe_id": "p-3", "note": "x", "count": -1}')
    await service.start()
    try:
        await publish(js, refused)
        await publish(js, malformed)

        async def both_dead_lettered() -> bool:
            return len(await dlq.scan(js)) == 2

        await eventually(both_dead_lettered, what="two dead letters")
        url = ["--nats-url", nats_server.url]

        listing = await kakehashi("dlq", "list", *url)
        assert listing.code == 0, listing.err
        assert refused.id in listing.out
        assert "bad-count" in listing.out
        assert "refused by the domain" in listing.out
        assert "does not match the contract" in listing.out

        letters = {letter.headers[NATS_MSG_ID]: letter for letter in await dlq.scan(js)}
        shown = await kakehashi("dlq", "show", str(letters["bad-count"].id), *url)
        assert shown.code == 0, shown.err
        assert "count: Input should be greater than or equal to 0" in shown.out
        assert "ce-source: urn:collab:agency:th-dip" in shown.out
        assert '"count": -1' in shown.out

        only_notify = await kakehashi("dlq", "list", "--service", "notify", *url)
        assert "The DLQ is empty." in only_notify.out

        probe.refused.clear()
        replayed = await kakehashi("dlq", "replay", str(letters[refused.id].id), *url)
        assert replayed.code == 0, replayed.err
        assert f"Replayed entry {letters[refused.id].id} to collab.in.th-dip.probe.recorded.v1" in replayed.out

        async def processed() -> bool:
            return refused.id in await effects(service)

        await eventually(processed, what="the replayed event processed")
        remaining = await dlq.scan(js)
        assert [letter.headers[NATS_MSG_ID] for letter in remaining] == ["bad-count"]
        assert json.loads(remaining[0].body)["count"] == -1

        missing = await kakehashi("dlq", "show", "999", *url)
        assert missing.code == 1
        assert "no entry 999" in missing.err
    finally:
        await service.stop()
