"""Schema migrations on both databases: idempotent, and safe when replicas start together."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from shared.messaging.tables import InboxRow
from shared.storage import create_engine, migrate, session_factory
from shared.storage.migrations import alembic_config


async def test_migrate_creates_the_messaging_tables_once(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine, "matching")
    await migrate(engine, "matching")
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    await engine.dispose()
    assert {"outbox", "inbox", "alembic_version"} <= tables
    assert applied("matching", list(versions)) == every_revision("matching")


def applied(service: str, versions: list[str]) -> list[str]:
    """Every revision the recorded versions stand for (a branch that depends on another implies it)."""
    revisions = ScriptDirectory.from_config(alembic_config(service)).revision_map
    return sorted(r.revision for r in revisions.iterate_revisions(tuple(versions), "base", select_for_downgrade=True))


def every_revision(service: str) -> list[str]:
    return sorted(r.revision for r in ScriptDirectory.from_config(alembic_config(service)).walk_revisions())


MIGRATE = (
    "import asyncio, sys; from shared.storage import create_engine, migrate; "
    "asyncio.run(migrate(create_engine(sys.argv[1]), 'events'))"
)


async def test_replicas_starting_together_migrate_one_after_the_other(database_url: str) -> None:
    replicas = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", MIGRATE, database_url, stderr=PIPE) for _ in range(4)
    ]
    outcomes = [
        (await replica.wait(), (await replica.stderr.read()).decode()) for replica in replicas if replica.stderr
    ]
    assert outcomes == [(0, "")] * 4
    in_process = [create_engine(database_url) for _ in range(3)]
    await asyncio.gather(*(migrate(engine, "events") for engine in in_process))
    async with in_process[0].connect() as connection:
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    for engine in in_process:
        await engine.dispose()
    assert applied("events", list(versions)) == every_revision("events")


async def test_times_come_back_as_the_aware_utc_instants_stored(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine, "notify")
    moment = datetime(2026, 11, 26, 17, 15, tzinfo=ZoneInfo("Asia/Bangkok"))
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(InboxRow(consumer="c", event_id="e", digest="d", processed_at=moment))
    async with sessions() as session:
        stored = await session.scalar(select(InboxRow.processed_at))
    await engine.dispose()
    assert stored == moment
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)
