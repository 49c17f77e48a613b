"""Async engines and sessions: SQLite through aiosqlite by default, PostgreSQL through asyncpg by URL."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def database_url(url: str) -> URL:
    """The URL with its async driver: `sqlite:///x.db` and `postgresql://…` are accepted as written by people."""
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy raises ArgumentError with its own wording
        raise ValueError(f"not a database URL: {error}") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(
            f"unsupported database {parsed.drivername!r}: use sqlite:///path/to/file.db or postgresql://user@host/db"
        )
    if driver.startswith("sqlite") and not parsed.database:
        raise ValueError("a SQLite URL needs a file path, e.g. sqlite:///var/matching.db")
    return parsed.set(drivername=driver)


def is_postgresql(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def create_engine(url: str | URL, *, pool_size: int = 5) -> AsyncEngine:
    """An engine tuned for our use: durable SQLite with real transactions, or pooled PostgreSQL."""
    parsed = database_url(str(url) if isinstance(url, str) else url.render_as_string(hide_password=False))
    if parsed.drivername.startswith("sqlite"):
        return _sqlite_engine(parsed)
    return create_async_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # One connection: every transaction takes the write lock anyway (below), so a second connection
    # adds no concurrency, only unfairness: SQLite's busy handler polls with growing sleeps, and a
    # consumer committing batch after batch would win the lock every time while the notify dispatcher
    # starved. Waiting for the one connection is first come, first served.
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=300)

    # pysqlite opens transactions lazily and knows nothing of SAVEPOINT; take the transaction
    # over so that begin_nested() works and every transaction takes the write lock up front
    # (BEGIN IMMEDIATE), which avoids lock-upgrade deadlocks between processes sharing a file.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # an acked event's effects survive a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def reachable(engine: AsyncEngine) -> None:
    """Raise when the database cannot be read: what a readiness probe asks.

    SQLite is read over a connection of its own, not the engine's one connection: while a long
    batch holds that one, the database is busy, not away. In WAL mode the read does not wait for
    the batch's write lock, so it answers at once.
    """
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        await asyncio.to_thread(_read_sqlite, Path(engine.url.database))
        return
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def _read_sqlite(path: Path) -> None:
    # Read-only: a missing file is an error here, not a new empty database.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
