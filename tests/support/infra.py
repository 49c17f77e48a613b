"""Real brokers and databases for the tests: containers when Docker answers, local processes otherwise."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import asyncpg
import docker
from sqlalchemy.engine import make_url
from testcontainers.community.nats import NatsContainer
from testcontainers.community.postgres import PostgresContainer

from shared.runtime.natsd import NatsServer, free_port

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
NATS_IMAGE = "nats:2.11-alpine"
POSTGRES_IMAGE = "postgres:16-alpine"


@functools.cache
def docker_available() -> bool:
    """Whether a Docker engine answers (the client alone is not enough). KAKEHASHI_TEST_DOCKER=0|1 forces it."""
    forced = os.environ.get("KAKEHASHI_TEST_DOCKER")
    if forced is not None:
        return forced == "1"
    try:
        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


class Broker(Protocol):
    """A nats-server the tests may kill and start again at the same URL, keeping its store."""

    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def kill(self) -> None: ...

    def stop(self) -> None: ...


class ContainerNats:
    """nats-server in a container, configured as the local binary is, on a fixed host port."""

    def __init__(self, store_dir: Path) -> None:
        config = store_dir / "nats-server.conf"
        config.write_text(CONTAINER_CONFIG)
        self.port = free_port()
        self._container = (
            NatsContainer(NATS_IMAGE)
            .with_volume_mapping(str(config), "/etc/nats/kakehashi.conf")
            .with_command("-c /etc/nats/kakehashi.conf")
            .with_bind_ports(4222, self.port)
        )
        self._started = False

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self._started:
            self._container.get_wrapped_container().start()  # same container: same store
        else:
            self._container.start()
            self._started = True
        _wait_for_port(self.port)

    def kill(self) -> None:
        self._container.get_wrapped_container().kill()

    def stop(self) -> None:
        self._container.stop()


CONTAINER_CONFIG = """listen: "0.0.0.0:4222"
http: "0.0.0.0:8222"
jetstream {
  store_dir: "/data"
  sync_interval: always
}
"""


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


@contextmanager
def nats_broker() -> Iterator[Broker]:
    """A fresh nats-server with JetStream and an empty store, stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="kakehashi-nats-") as store:
        broker: Broker = ContainerNats(Path(store)) if docker_available() else NatsServer(store_dir=Path(store))
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()


@contextmanager
def postgres_server() -> Iterator[str]:
    """The admin URL of a PostgreSQL server: a container, KAKEHASHI_TEST_PG_URL, or the local server."""
    if docker_available():
        with PostgresContainer(POSTGRES_IMAGE, driver=None) as container:
            yield container.get_connection_url()
        return
    url = os.environ.get("KAKEHASHI_TEST_PG_URL", LOCAL_PG)
    try:
        asyncio.run(_execute(url, "SELECT 1"))
    except Exception as error:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {url} ({error!r}). The PostgreSQL tests must run: start the local "
            "server (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), set "
            "KAKEHASHI_TEST_PG_URL, or make a Docker engine available."
        ) from error
    yield url


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server (dropped afterwards); yields its asyncpg URL."""
    name = f"kakehashi_test_{uuid.uuid4().hex[:12]}"
    execute_now(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(admin_url)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        execute_now(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def execute_now(url: str, statement: str) -> None:
    """Run a statement to completion, also from inside a running event loop (an async test)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, _execute(url, statement)).result()


async def _execute(url: str, statement: str) -> None:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
