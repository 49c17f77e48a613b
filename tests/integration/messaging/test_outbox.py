"""The outbox and its relay against a real nats-server and both databases, including a relay that dies."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.messaging.outbox import Relay, pending_count, stage_all
from shared.messaging.tables import OutboxRow
from shared.messaging.transaction import Transaction
from shared.storage import create_engine, is_postgresql, migrate, session_factory
from tests.support.infra import Broker
from tests.support.probe import ProbeNoted, stored

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate(engine, "matching")
    yield session_factory(engine)
    await engine.dispose()


def relay_for(sessions: async_sessionmaker[AsyncSession], client: Client, **options: float) -> Relay:
    engine = sessions.kw["bind"]
    return Relay(sessions, client, postgres=is_postgresql(engine), **options)  # type: ignore[arg-type]


async def emit_noted(sessions: async_sessionmaker[AsyncSession], *probe_ids: str) -> list[str]:
    async with sessions() as session, session.begin():
        tx = Transaction(session, "matching", traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        ids = [tx.emit(ProbeNoted(probe_id=probe_id), subject_id=probe_id).id for probe_id in probe_ids]
        await stage_all(session, tx.emitted)
        return ids


async def test_committed_events_are_published_as_cloudevents_and_leave_the_outbox(
    nats_client: Client, js: JetStreamContext, sessions: async_sessionmaker[AsyncSession]
) -> None:
    event_ids = await emit_noted(sessions, "p-1", "p-2", "p-3")
    assert await relay_for(sessions, nats_client).publish_pending() == 3
    messages = await stored(js, "MATCHING")
    assert [m.headers["Nats-Msg-Id"] for m in messages if m.headers] == event_ids
    first = messages[0].headers or {}
    assert first["ce-id"] == event_ids[0]
    assert first["ce-source"] == "urn:collab:service:matching"
    assert first["ce-type"] == "collab.matching.probe.noted.v1"
    assert first["ce-specversion"] == "1.0"
    assert first["ce-subject"] == "p-1"
    assert first["content-type"] == "application/json"
    assert first["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert first["traceparent"] != "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "a new span"
    assert messages[0].data == b'{"probe_id":"p-1"}'
    async with sessions() as session:
        assert await pending_count(session) == 0


async def test_a_rolled_back_transaction_publishes_nothing(
    nats_client: Client, js: JetStreamContext, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def change_of_mind() -> None:
        async with sessions() as session, session.begin():
            tx = Transaction(session, "matching")
            tx.emit(ProbeNoted(probe_id="p-1"))
            await stage_all(session, tx.emitted)
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        await change_of_mind()
    assert await relay_for(sessions, nats_client).publish_pending() == 0
    assert await stored(js, "MATCHING") == []


CRASHING_RELAY = textwrap.dedent(
    """
    import asyncio, os, sys
    import nats
    from shared.messaging.outbox import Relay
    from shared.storage import create_engine, is_postgresql, session_factory

    async def main(nats_url, database_url):
        engine = create_engine(database_url)
        client = await nats.connect(nats_url)
        relay = Relay(session_factory(engine), client, postgres=is_postgresql(engine), lease=0.5)

        async def die_before_marking_sent(ids):
            os._exit(17)  # no cleanup, no rollback: as if the process were killed here

        relay.mark_sent = die_before_marking_sent
        await relay.publish_pending()

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_a_relay_dying_between_publish_and_mark_sent_leaves_the_event_in_the_stream_exactly_once(
    nats_client: Client,
    nats_server: Broker,
    js: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    [event_id] = await emit_noted(sessions, "p-1")
    crashed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", CRASHING_RELAY, nats_server.url, database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == 17, crashed.stderr
    assert len(await stored(js, "MATCHING")) == 1, "the dead relay had published"
    async with sessions() as session:
        assert await pending_count(session) == 1, "but not marked it sent"

    await asyncio.sleep(0.6)  # the dead relay's claim expires
    assert await relay_for(sessions, nats_client).publish_pending() == 1
    messages = await stored(js, "MATCHING")
    assert [m.headers["ce-id"] for m in messages if m.headers] == [event_id]
    async with sessions() as session:
        assert await pending_count(session) == 0


async def test_the_relay_keeps_events_through_a_broker_outage(
    nats_client: Client, nats_server: Broker, js: JetStreamContext, sessions: async_sessionmaker[AsyncSession]
) -> None:
    relay = relay_for(sessions, nats_client, publish_timeout=0.5)
    event_ids = await emit_noted(sessions, "p-1", "p-2")
    nats_server.kill()
    with pytest.raises(RuntimeError, match="not acknowledged"):
        await relay.publish_pending()
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
        assert [row.event_id for row in rows] == event_ids
        assert all(row.attempts == 1 and row.last_error and row.claimed_until is None for row in rows)
    nats_server.start()
    for _ in range(50):
        try:
            if await relay.publish_pending() == 2:
                break
        except RuntimeError:
            await asyncio.sleep(0.2)  # the client is still reconnecting
    assert [m.headers["ce-id"] for m in await stored(js, "MATCHING") if m.headers] == event_ids


async def test_a_claim_goes_to_its_stream_as_one_atomic_batch_in_order(
    nats_client: Client, js: JetStreamContext, sessions: async_sessionmaker[AsyncSession]
) -> None:
    event_ids = await emit_noted(sessions, *(f"p-{n}" for n in range(20)))
    assert await relay_for(sessions, nats_client).publish_pending() == 20
    messages = await stored(js, "MATCHING")
    assert [m.headers["ce-id"] for m in messages if m.headers] == event_ids
    assert len({m.headers["Nats-Batch-Id"] for m in messages if m.headers}) == 1, "stored in one write"


async def test_a_batch_the_stream_partly_holds_already_is_published_event_by_event_each_once(
    nats_client: Client, js: JetStreamContext, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first, second, third = await emit_noted(sessions, "p-1", "p-2", "p-3")
    async with sessions() as session:
        row = (await session.scalars(select(OutboxRow).where(OutboxRow.event_id == second))).one()
    await js.publish(row.subject, row.body, headers=row.headers)  # as a relay that died before deleting it

    assert await relay_for(sessions, nats_client).publish_pending() == 3
    messages = await stored(js, "MATCHING")
    assert [m.headers["ce-id"] for m in messages if m.headers] == [second, first, third]
    async with sessions() as session:
        assert await pending_count(session) == 0


async def test_a_stream_that_does_not_allow_atomic_batches_still_gets_every_event_in_order(
    nats_client: Client, js: JetStreamContext, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = (await js.stream_info("MATCHING")).config
    await js.update_stream(dataclasses.replace(live, allow_atomic=False))  # an operator's older stream
    event_ids = await emit_noted(sessions, "p-1", "p-2", "p-3")
    relay = relay_for(sessions, nats_client)
    assert await relay.publish_pending() == 3
    messages = await stored(js, "MATCHING")
    assert [m.headers["ce-id"] for m in messages if m.headers] == event_ids
    assert not any("Nats-Batch-Id" in (m.headers or {}) for m in messages), "published one by one"
