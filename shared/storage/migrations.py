"""Schema migrations with Alembic: the shared messaging branch plus each service's own branch."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import shared
from shared.storage.engine import is_postgresql

_ROOT = Path(shared.__file__).resolve().parent.parent
_MIGRATION_LOCK = 0x6B616B65  # "kake": replicas starting together migrate one at a time


def version_locations(service: str) -> list[Path]:
    """Where the revisions live: `shared/messaging/migrations` and `services/<service>/migrations`."""
    locations = [_ROOT / "shared" / "messaging" / "migrations"]
    own = _ROOT / "services" / service / "migrations"
    if own.is_dir():
        locations.append(own)
    return locations


def alembic_config(service: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_ROOT / "shared" / "storage" / "alembic"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(str(p) for p in version_locations(service)))
    config.attributes["connection"] = connection
    return config


_IN_PROCESS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
"""Alembic keeps the running migration in module globals (`alembic.context`, `alembic.op`), so two
migrations interleaved in one event loop would write through each other's connection."""


def _turn() -> asyncio.Lock:
    return _IN_PROCESS.setdefault(asyncio.get_running_loop(), asyncio.Lock())


async def migrate(engine: AsyncEngine, service: str) -> None:
    """Bring the service's database to the newest revision of every branch, idempotently.

    Processes migrating one database together take turns: on PostgreSQL through an advisory
    lock, on SQLite through the write lock that `BEGIN IMMEDIATE` takes before Alembic looks.
    """
    async with _turn(), engine.begin() as connection:
        if is_postgresql(engine):
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(service, sync), "heads"))
