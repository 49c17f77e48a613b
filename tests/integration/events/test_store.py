"""The events service's migration builds exactly the tables its models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from services.events.store import EventsBase
from shared.storage import create_engine, migrate

FOREIGN = {"outbox", "inbox", "alembic_version"}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        difference
        for difference in compare_metadata(context, EventsBase.metadata)
        if not (isinstance(difference, tuple) and getattr(difference[1], "name", None) in FOREIGN)
        and not (
            isinstance(difference, tuple) and getattr(getattr(difference[1], "table", None), "name", None) in FOREIGN
        )
    ]


async def test_the_migration_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine, "events")
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
        versions = set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    await engine.dispose()
    assert differences == []
    assert versions == {"events_0001"}, "which depends on messaging_0001"
