"""Run handlers (`on_runs`): consecutive events of one contract handed over together, with the same results
as one at a time. Real nats-server and runtime, on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from nats.js import JetStreamContext
from pydantic import Field

from shared.contracts.base import Contract
from shared.contracts.subjects import agency_source
from shared.messaging import dlq
from shared.messaging.consumer import Handling, Subscription, on, on_runs
from shared.messaging.envelope import Event, OutgoingMessage, encode
from shared.messaging.streams import stream_for
from shared.messaging.tracing import trace_id
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service
from tests.support.infra import Broker
from tests.support.probe import (
    Effect,
    Probe,
    ProbeNoted,
    ProbeRecorded,
    committed_order,
    create_effects_table,
    eventually,
    probe_event,
    probe_settings,
    publish_in_order,
    running,
    stored,
)


class ProbeCleared(Contract):
    """A test event of another type on the same stream: it ends a run of `ProbeRecorded`."""

    subject = "collab.in.{agency}.probe.cleared.v1"

    probe_id: str = Field(description="Which probe.", examples=["p-1"], min_length=1)


class RunProbe(Probe):
    """The probe's handler, taking runs; `runs` notes the probe ids of each call."""

    def __init__(self, **failures: object) -> None:
        super().__init__("matching-probes", **failures)  # type: ignore[arg-type]
        self.runs: list[list[str]] = []

    async def record_run(self, items: Sequence[Handling[ProbeRecorded]]) -> None:
        self.runs.append([item.event.data.probe_id for item in items])
        for item in items:
            await self.record(item.event, item.tx)

    async def clear(self, event: Event[ProbeCleared], tx: Transaction) -> None:
        self.runs.append([f"cleared {event.data.probe_id}"])
        tx.session.add(Effect(consumer=self.consumer, event_id=event.id, probe_id=f"cleared {event.data.probe_id}"))


def run_service(nats_url: str, database_url: str, probe: RunProbe, **settings: object) -> Service:
    return Service(
        "matching",
        probe_settings(nats_url, database_url, **settings),
        subscriptions=[
            Subscription("probes", (on_runs(ProbeRecorded, probe.record_run), on(ProbeCleared, probe.clear)))
        ],
    )


def traced(message: OutgoingMessage) -> OutgoingMessage:
    message.headers["traceparent"] = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
    return message


def cleared(probe_id: str) -> OutgoingMessage:
    return encode(ProbeCleared(probe_id=probe_id), source=agency_source("th-dip"), agency="th-dip", subject_id=probe_id)


async def test_a_run_handler_gets_the_consecutive_events_of_its_contract_and_each_emits_its_own(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = RunProbe()
    recorded = [traced(probe_event(f"p-{n:03d}")) for n in range(30)]
    # All stored before the service starts: its first fetch takes them in one batch.
    await publish_in_order(js, [*recorded[:20], cleared("p-019"), *recorded[20:]])
    async with running(run_service(nats_server.url, database_url, probe, fetch_batch=50)) as service:

        async def all_committed() -> bool:
            return len(await committed_order(service)) == 31

        async def all_relayed() -> bool:
            return len(await stored(js, stream_for(ProbeNoted.subject))) == 30

        await eventually(all_committed, what="31 effects")
        await eventually(all_relayed, what="30 events emitted")
        committed = await committed_order(service)
        noted = await stored(js, stream_for(ProbeNoted.subject))
    ids = [f"p-{n:03d}" for n in range(30)]
    assert probe.runs == [ids[:20], ["cleared p-019"], ids[20:]]
    assert committed == [*ids[:20], "cleared p-019", *ids[20:]]
    # Each event emitted its own event, in order, continuing its own trace.
    assert [message.headers["ce-subject"] for message in noted if message.headers] == ids
    assert [trace_id((message.headers or {}).get("traceparent")) for message in noted] == [
        trace_id(message.headers["traceparent"]) for message in recorded
    ]


async def test_a_run_that_fails_is_handled_again_one_by_one_and_only_the_bad_event_is_dead_lettered(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = RunProbe(refused={"p-004"}, transient_failures={"p-007": 1})
    ids = [f"p-{n:03d}" for n in range(10)]
    await publish_in_order(js, [probe_event(probe_id) for probe_id in ids])
    async with running(run_service(nats_server.url, database_url, probe, fetch_batch=50)) as service:

        async def nine_committed() -> bool:
            return len(await committed_order(service)) == 9

        await eventually(nine_committed, what="9 effects")
        committed = await committed_order(service)
    assert (
        probe.runs
        == [
            ids,  # the whole run, which fails
            *(
                [probe_id] for probe_id in ids[:8]
            ),  # one at a time: p-004 refused, p-007 failed, the rest held behind it
            ids[7:],  # after the retry delay, a run again
        ]
    )
    assert committed == [probe_id for probe_id in ids if probe_id != "p-004"], "in stream order, each once"
    assert probe.calls["p-007"] == 2, "alone (the first run stopped at p-004), then in the retried run"
    [letter] = await dlq.scan(js)
    assert letter.failure.kind == "permanent"
    assert "p-004" in letter.failure.reason
