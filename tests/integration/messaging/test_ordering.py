"""An ordered subscription commits its events in stream order: across replicas, after a crash, through retries.

Real nats-server, real runtime, each test on SQLite and on PostgreSQL. The handler records what it
ran (in memory, across replicas) and each commit writes a row with an increasing id, so the order of
the rows is the order the effects were committed.
"""

from __future__ import annotations

import asyncio
import dataclasses

from nats.js import JetStreamContext

from shared.messaging import dlq
from shared.messaging.consumer import Subscription, on
from shared.messaging.envelope import Event
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service
from tests.support.infra import Broker
from tests.support.probe import (
    Probe,
    ProbeRecorded,
    committed_order,
    create_effects_table,
    eventually,
    probe_event,
    probe_service,
    probe_settings,
    publish_in_order,
    running,
)


def replica(
    nats_url: str, database_url: str, probe: Probe, ran: list[str], *, ack_wait: float | None = None
) -> Service:
    """A replica of `matching-probes` whose handler notes, in `ran`, each event it runs."""

    async def record(event: Event[ProbeRecorded], tx: Transaction) -> None:
        ran.append(event.data.probe_id)
        await asyncio.sleep(0.001)  # gives the other replica's batch a chance to interleave
        await probe.record(event, tx)

    service = Service(
        "matching",
        probe_settings(nats_url, database_url, fetch_batch=10),
        subscriptions=[Subscription("probes", (on(ProbeRecorded, record),))],
    )
    if ack_wait is not None:
        service.policy = dataclasses.replace(service.policy, ack_wait=ack_wait)
    return service


async def test_two_replicas_of_an_ordered_subscription_handle_its_events_in_stream_order(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    ran: list[str] = []
    sent = [f"p-{n:03d}" for n in range(300)]
    first = replica(nats_server.url, database_url, Probe("matching-probes"), ran)
    second = replica(nats_server.url, database_url, Probe("matching-probes"), ran)
    async with running(first), running(second):
        await publish_in_order(js, [probe_event(probe_id) for probe_id in sent])

        async def all_committed() -> bool:
            return len(await committed_order(first)) == len(sent)

        await eventually(all_committed, timeout=60, what="300 effects")
        committed = await committed_order(first)
    assert ran == sent, "the handler ran each event once, in stream order, whichever replica ran it"
    assert committed == sent


async def test_a_batch_left_by_a_crashed_replica_is_committed_before_the_events_after_it(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    ran: list[str] = []
    sent = [f"p-{n:03d}" for n in range(60)]
    stuck = asyncio.Event()

    class Crashing(Probe):
        async def record(self, event: Event[ProbeRecorded], tx: Transaction) -> None:
            if event.data.probe_id == "p-025":
                stuck.set()
                await asyncio.Event().wait()  # hangs until the replica "crashes"
            await super().record(event, tx)

    doomed = replica(nats_server.url, database_url, Crashing("matching-probes"), ran, ack_wait=1.0)
    survivor = replica(nats_server.url, database_url, Probe("matching-probes"), ran, ack_wait=1.0)
    async with running(doomed):
        await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[:10]])

        async def first_batch_committed() -> bool:
            return len(await committed_order(doomed)) == 10

        await eventually(first_batch_committed, what="the first batch")
        async with running(survivor):  # a standby: the doomed replica has the turn
            await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[10:40]])
            await asyncio.wait_for(stuck.wait(), 30)
            # The replica dies mid-batch: its events are neither committed nor settled. Later events
            # keep coming; the survivor may take them only after the batch it left behind.
            consumer = doomed.consumers[0]
            assert consumer._task is not None
            consumer._task.cancel()
            await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[40:]])

            async def all_committed() -> bool:
                return len(await committed_order(survivor)) == len(sent)

            await eventually(all_committed, timeout=60, what="60 effects")
            committed = await committed_order(survivor)
    assert committed == sent
    assert [probe_id for probe_id in ran if probe_id >= "p-030"] == sent[30:], "nothing after the lost batch ran early"


async def test_an_event_retried_after_a_transient_failure_is_not_overtaken_by_the_events_behind_it(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes", transient_failures={"p-005": 2})
    sent = [f"p-{n:03d}" for n in range(30)]
    async with running(probe_service(nats_server.url, database_url, probe, fetch_batch=10)) as service:
        await publish_in_order(js, [probe_event(probe_id) for probe_id in sent])

        async def all_committed() -> bool:
            return len(await committed_order(service)) == len(sent)

        await eventually(all_committed, what="30 effects")
        committed = await committed_order(service)
    assert committed == sent
    assert probe.calls["p-005"] == 3
    assert all(probe.calls[probe_id] == 1 for probe_id in sent[6:]), "the events behind it waited, not ran"
    assert await dlq.scan(js) == []


async def test_an_event_that_keeps_failing_holds_the_line_until_it_is_dead_lettered_then_the_rest_follow(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    probe = Probe("matching-probes", always_failing={"p-003"})
    sent = [f"p-{n:03d}" for n in range(12)]
    async with running(probe_service(nats_server.url, database_url, probe, fetch_batch=5, max_deliver=3)) as service:
        await publish_in_order(js, [probe_event(probe_id) for probe_id in sent])

        async def dead_lettered() -> bool:
            return len(await dlq.scan(js)) == 1

        await eventually(dead_lettered, what="the failing event in the DLQ")

        async def the_rest_committed() -> bool:
            return len(await committed_order(service)) == len(sent) - 1

        await eventually(the_rest_committed, what="the other 11 effects")
        committed = await committed_order(service)
    assert committed == [probe_id for probe_id in sent if probe_id != "p-003"]
    assert probe.calls["p-003"] == 3
    assert probe.calls["p-004"] == 1, "the events behind it waited rather than ran and rolled back"
    [letter] = await dlq.scan(js)
    assert letter.failure.kind == "exhausted"
    assert letter.deliveries == 3
