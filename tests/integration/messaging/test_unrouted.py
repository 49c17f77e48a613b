"""Inbound events no subscription routes are dead-lettered, and their agency told, once, whatever runs."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from nats.js import JetStreamContext

from shared.messaging import dlq
from shared.messaging.envelope import OutgoingMessage
from shared.messaging.publisher import publish
from tests.support.infra import Broker
from tests.support.probe import (
    Probe,
    create_effects_table,
    effects,
    eventually,
    probe_event,
    probe_service,
    stored,
    with_headers,
)


def on_subject(message: OutgoingMessage, subject: str, ce_type: str) -> OutgoingMessage:
    return dataclasses.replace(with_headers(message, ce_type=ce_type), subject=subject)


async def test_an_event_no_subscription_routes_is_dead_lettered_and_its_agency_told_exactly_once(
    nats_server: Broker, js: JetStreamContext, database_url: str, another_database: Callable[[], str]
) -> None:
    notify_database = another_database()
    await create_effects_table(database_url)
    await create_effects_table(notify_database)
    unknown_version = on_subject(
        probe_event("p-1"),
        "collab.in.th-dip.company.profile_submitted.v9",
        "collab.company.profile_submitted.v9",
    )
    unknown_event = on_subject(probe_event("p-2", agency="jp-mie"), "collab.in.jp-mie.nothing", "collab.nothing")
    # Routed by a subscription of a service not running here (matching's, for profiles): left for it.
    routed_elsewhere = on_subject(
        probe_event("p-3"), "collab.in.th-dip.company.profile_submitted.v1", "collab.company.profile_submitted.v1"
    )
    good = probe_event("p-4")
    # Two processes of two services, each running the shared catch-all: one of them takes each event.
    services = [
        probe_service(nats_server.url, database_url, Probe("matching-probes")),
        probe_service(nats_server.url, database_url, Probe("matching-probes")),
        probe_service(nats_server.url, notify_database, Probe("notify-probes", emit=False), service="notify"),
    ]
    for service in services:
        await service.start()
    try:
        for message in (unknown_version, unknown_event, routed_elsewhere, good):
            await publish(js, message)

        async def settled() -> bool:
            info = await js.consumer_info("COLLAB_IN", dlq.UNROUTED)
            return (
                len(await dlq.scan(js)) >= 2
                and info.num_pending == 0
                and info.num_ack_pending == 0
                and good.id in await effects(services[0])
            )

        await eventually(settled, what="the catch-all done with the four events")
    finally:
        for service in services:
            await service.stop()
    letters = await dlq.scan(js)
    assert sorted(letter.subject for letter in letters) == [
        "collab.in.jp-mie.nothing",
        "collab.in.th-dip.company.profile_submitted.v9",
    ]
    for letter in letters:
        assert letter.consumer == dlq.UNROUTED
        assert letter.failure.kind == "permanent"
        assert "No service takes events on" in letter.failure.reason
    rejections = {message.subject: json.loads(message.data or b"") for message in await stored(js, "COLLAB_OUT")}
    assert rejections.keys() == {"collab.out.th-dip.rejected.v1", "collab.out.jp-mie.rejected.v1"}
    told = rejections["collab.out.th-dip.rejected.v1"]
    assert told["event_id"] == unknown_version.id
    assert told["nats_subject"] == "collab.in.th-dip.company.profile_submitted.v9"
    assert told["problems"][0]["field"] == "subject"
    assert len(await stored(js, "COLLAB_OUT")) == 2, "each agency told once"
