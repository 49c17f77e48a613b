"""Fixtures: a fresh nats-server per test, PostgreSQL databases per test, and both storage back ends."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from shared.messaging.streams import apply_streams
from tests.support.infra import Broker, nats_broker, postgres_database, postgres_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The suite runs on two pytest-xdist workers (`-n 2 --dist loadgroup` in pyproject.toml); the system
    tests, each a whole deployment of processes, all go to one of them, so that two never run at once."""
    for item in items:
        if item.nodeid.startswith("tests/system/"):
            item.add_marker(pytest.mark.xdist_group("system"))


@pytest.fixture
def nats_server() -> Iterator[Broker]:
    """A nats-server of our own with JetStream and file storage (`sync_interval: always`), empty."""
    with nats_broker() as broker:
        yield broker


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database for this test alone."""
    with postgres_database(postgres_admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def another_database(database_url: str, postgres_admin_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes more empty databases of the same kind as `database_url`: one per service, as in production."""
    cleanup = contextlib.ExitStack()

    def make() -> str:
        if database_url.startswith("sqlite"):
            return f"sqlite+aiosqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
        return cleanup.enter_context(postgres_database(postgres_admin_url))

    with cleanup:
        yield make


@pytest.fixture
async def nats_client(nats_server: Broker) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield client
    await client.close()


@pytest.fixture
async def js(nats_client: Client) -> JetStreamContext:
    """JetStream with Kakehashi's streams provisioned."""
    context = nats_client.jetstream()
    await apply_streams(context)
    return context
