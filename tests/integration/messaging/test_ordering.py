"""An ordered subscription commits its events in stream order: across replicas, after a crash, through retries.

Real nats-server, real runtime, each test on SQLite and on PostgreSQL. The handler records what it
ran (in memory, across replicas) and each commit writes a row with an increasing id, so the order of
the rows is the order the effects were committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

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


def replica(nats_url: str, database_url: str, probe: Probe, ran: list[str], **policy: float) -> Service:
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
    service.policy = dataclasses.replace(service.policy, **policy)  # type: ignore[arg-type]
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

    doomed = replica(nats_server.url, database_url, Crashing("matching-probes"), ran, ack_wait=1.0, turn_renewal=0.5)
    survivor = replica(nats_server.url, database_url, Probe("matching-probes"), ran, ack_wait=1.0, turn_renewal=0.5)
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


async def test_a_standby_taking_over_before_a_crashed_replicas_events_return_waits_for_them(
    nats_server: Broker, js: JetStreamContext, tmp_path: Path
) -> None:
    """The turn lapses (1.5 s here) before the ack wait (3 s) of the events the dead replica held, and
    later events are waiting: the standby begins with the held ones once they come back. (What the
    server does, whatever the database: run on SQLite only.)"""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await create_effects_table(database_url)
    ran: list[str] = []
    sent = [f"p-{n:03d}" for n in range(12)]
    stuck = asyncio.Event()

    class Crashing(Probe):
        async def record(self, event: Event[ProbeRecorded], tx: Transaction) -> None:
            if event.data.probe_id == "p-003":
                stuck.set()
                await asyncio.Event().wait()  # hangs until the replica "crashes"
            await super().record(event, tx)

    timing = {"ack_wait": 3.0, "turn_renewal": 0.5}
    doomed = replica(nats_server.url, database_url, Crashing("matching-probes"), ran, **timing)
    survivor = replica(nats_server.url, database_url, Probe("matching-probes"), ran, **timing)
    async with running(doomed):
        await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[:3]])

        async def first_batch_committed() -> bool:
            return len(await committed_order(doomed)) == 3

        await eventually(first_batch_committed, what="the first batch")
        async with running(survivor):
            await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[3:6]])  # a batch of 3 of 10
            await asyncio.wait_for(stuck.wait(), 30)
            consumer = doomed.consumers[0]
            assert consumer._task is not None
            consumer._task.cancel()  # dies holding p-003 … p-005: no hand-over, no acks
            await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[6:]])

            async def all_committed() -> bool:
                return len(await committed_order(survivor)) == len(sent)

            await eventually(all_committed, timeout=30, what="12 effects")
            committed = await committed_order(survivor)
    assert committed == sent
    assert [probe_id for probe_id in ran if probe_id >= "p-004"] == sent[4:], "nothing after the lost batch ran early"


async def test_a_standby_takes_over_from_a_replica_that_died_idle_once_the_turn_lapses(
    nats_server: Broker, js: JetStreamContext, tmp_path: Path
) -> None:
    """Not after the ack wait (10 min here): the one that died held nothing, and its turn lapses in 1.5 s.
    (What the server does, whatever the database: run on SQLite only.)"""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await create_effects_table(database_url)
    ran: list[str] = []
    sent = [f"p-{n:03d}" for n in range(6)]
    timing = {"ack_wait": 600.0, "turn_renewal": 0.5}
    replicas = [replica(nats_server.url, database_url, Probe("matching-probes"), ran, **timing) for _ in range(2)]
    async with running(replicas[0]), running(replicas[1]):
        await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[:3]])

        def committed(count: int) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                return len(await committed_order(replicas[0])) == count

            return check

        await eventually(committed(3), what="the first events")
        [pinned] = [service.consumers[0] for service in replicas if service.consumers[0]._pin is not None]
        assert pinned._task is not None
        pinned._task.cancel()  # dies idle, without handing over its turn
        await asyncio.sleep(1.0)  # its last pull request expires (0.5 s), as a dead process's would go
        await publish_in_order(js, [probe_event(probe_id) for probe_id in sent[3:]])
        await eventually(committed(6), timeout=20, what="the events published after it died")
    assert await committed_order(replicas[0]) == sent
    assert ran == sent


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
