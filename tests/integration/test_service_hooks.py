"""Service start-up hooks and background tasks: before any event, while running, stopped with the service;
and the garbage collector tuned once start-up is over."""

from __future__ import annotations

import asyncio
import gc

import pytest
from nats.js import JetStreamContext

from shared.messaging.consumer import Subscription, on
from shared.messaging.envelope import Event
from shared.messaging.outbox import pending_count
from shared.messaging.publisher import publish
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service
from shared.storage import create_engine, session_factory
from tests.support.infra import Broker
from tests.support.probe import (
    ProbeNoted,
    ProbeRecorded,
    create_effects_table,
    eventually,
    probe_event,
    probe_settings,
    stored,
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_startup_runs_before_events_and_background_tasks_run_restart_and_stop(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    await create_effects_table(database_url)
    journal: list[str] = []
    ticks = 0
    failed_once = False

    async def build_index(service: Service) -> None:
        await publish(js, probe_event("early"))
        await asyncio.sleep(0.3)  # an event is waiting, but no handler may run before the index exists
        journal.append("index built")

    async def handle(event: Event[ProbeRecorded], tx: Transaction) -> None:
        journal.append(f"handled {event.data.probe_id}")

    async def expire_matches(service: Service) -> None:
        nonlocal ticks, failed_once
        while True:
            ticks += 1
            if not failed_once:
                failed_once = True
                raise RuntimeError("a transient failure in a timer")
            async with service.transaction() as tx:
                tx.emit(ProbeNoted(probe_id=f"tick-{ticks}"))
            await asyncio.sleep(0.05)

    service = Service(
        "matching",
        probe_settings(nats_server.url, database_url),
        subscriptions=[Subscription("probes", (on(ProbeRecorded, handle),))],
        startup=[build_index],
        background=[expire_matches],
    )
    gc.set_threshold(700, 10, 10)  # CPython's default, whatever services started before in this process
    await service.start()
    assert gc.get_threshold()[0] == 50_000, "young collections every 50,000 allocations, not every 700"

    async def handled() -> bool:
        return "handled early" in journal

    await eventually(handled, what="the early event handled")
    assert journal[:2] == ["index built", "handled early"]

    async def ticking() -> bool:
        return len(await stored(js, "MATCHING")) >= 2

    await eventually(ticking, timeout=15, what="the background task restarted and emitting")
    await service.stop()
    stopped_at = ticks
    await asyncio.sleep(0.3)
    assert ticks == stopped_at, "the background task stopped with the service"
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        assert await pending_count(session) == 0, "every tick's event was relayed before the service stopped"
    await engine.dispose()
    assert len(await stored(js, "MATCHING")) >= stopped_at - 2
