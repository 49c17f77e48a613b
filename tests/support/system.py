"""The whole system as operators run it, for the system tests: every service its own OS process.

`System` starts `python -m services.<name>` processes (any number of replicas each) against a real
nats-server, one real database per service and an SMTP sink, and lets a test kill, stop and restart them.
The services' own logs go to files under the test's folder; `System.logs()` gathers them for a failure message.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck, RawStreamMsg
from nats.js.errors import NotFoundError
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.contracts.base import Contract
from shared.contracts.subjects import SERVICES, agency_source
from shared.messaging.envelope import OutgoingMessage, encode
from shared.runtime.mailsink import MailSink
from shared.runtime.natsd import free_port
from tests.support.cli import ROOT

READY_TIMEOUT = 90.0

# Quicker than production so that a test's pipeline drains in seconds; every safety mechanism stays on.
FAST = {
    "KAKEHASHI_NOTIFY_DISPATCH_INTERVAL": "0.2",
    "KAKEHASHI_NOTIFY_SEND_RETRY_DELAY": "0.5",
    "KAKEHASHI_EVENTS_TIMER_INTERVAL": "1",
    "KAKEHASHI_ACK_WAIT": "10",
    "KAKEHASHI_LOG_LEVEL": "INFO",
}


@dataclass
class Replica:
    """One service process."""

    service: str
    index: int
    process: subprocess.Popen[bytes]
    http_port: int
    log_file: Path

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/readyz", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/metrics", timeout=5) as response:
            return str(response.read().decode())

    def counter(self, name: str, **labels: str) -> float:
        """The sum of a Prometheus metric's samples whose labels include `labels` (0 when there are none)."""
        total = 0.0
        for family in text_string_to_metric_families(self.metrics()):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()):
                    total += sample.value
        return total


@dataclass
class System:
    """Service processes sharing one NATS URL, a database per service and an SMTP sink."""

    folder: Path
    nats_url: str
    databases: Mapping[str, str]
    sink: MailSink
    env: dict[str, str] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)

    def environment(self, service: str) -> dict[str, str]:
        inherited = {key: value for key, value in os.environ.items() if not key.startswith("KAKEHASHI_")}
        return {
            **inherited,
            **FAST,
            "KAKEHASHI_NATS_URL": self.nats_url,
            "KAKEHASHI_DATA_DIR": str(self.folder),
            f"KAKEHASHI_{service.upper()}_DATABASE_URL": self.databases[service],
            "KAKEHASHI_NOTIFY_SMTP_HOST": "127.0.0.1",
            "KAKEHASHI_NOTIFY_SMTP_PORT": str(self.sink.port),
            "KAKEHASHI_NOTIFY_SMTP_SECURITY": "none",
            **self.env,
        }

    def start(self, *services: str, replicas: int = 1, wait: bool = True) -> list[Replica]:
        """Start `replicas` new processes of each service (all four if none named); wait until they are ready."""
        started = []
        for service in services or SERVICES:
            for _ in range(replicas):
                index = sum(1 for replica in self.replicas if replica.service == service)
                port = free_port()
                log_file = self.folder / f"{service}-{index}.log"
                with log_file.open("ab") as log:
                    process = subprocess.Popen(
                        [sys.executable, "-m", f"services.{service}"],
                        cwd=ROOT,
                        env={**self.environment(service), "KAKEHASHI_HTTP_PORT": str(port)},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                replica = Replica(service, index, process, port, log_file)
                self.replicas.append(replica)
                started.append(replica)
        if wait:
            self.wait_ready(started)
        return started

    def wait_ready(self, replicas: Iterable[Replica], timeout: float = READY_TIMEOUT) -> None:
        waiting = list(replicas)
        deadline = time.monotonic() + timeout
        while waiting:
            for replica in waiting:
                if not replica.alive():
                    raise AssertionError(f"{replica.name} exited with {replica.process.returncode}:\n{self.logs()}")
            waiting = [replica for replica in waiting if not replica.ready()]
            if waiting and time.monotonic() > deadline:
                names = ", ".join(replica.name for replica in waiting)
                raise AssertionError(f"not ready after {timeout:.0f} s: {names}\n{self.logs()}")
            time.sleep(0.2)

    def running(self, service: str) -> list[Replica]:
        return [replica for replica in self.replicas if replica.service == service and replica.alive()]

    def kill(self, service: str, sig: signal.Signals = signal.SIGKILL) -> list[Replica]:
        """Send `sig` to every running replica of `service`; return them once they have exited."""
        victims = self.running(service)
        for replica in victims:
            replica.process.send_signal(sig)
        for replica in victims:
            replica.process.wait(timeout=60)
        return victims

    def stop(self, timeout: float = 60.0) -> dict[str, int]:
        """SIGTERM every running replica (a graceful stop) and return their exit statuses by name."""
        running = [replica for replica in self.replicas if replica.alive()]
        for replica in running:
            replica.process.send_signal(signal.SIGTERM)
        statuses = {}
        for replica in running:
            try:
                statuses[replica.name] = replica.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                statuses[replica.name] = replica.process.wait()
        return statuses

    def crashed(self) -> list[str]:
        """Replicas that exited on their own (not stopped or killed by the test)."""
        return [replica.name for replica in self.replicas if replica.process.returncode not in (None, 0, -9, -15)]

    def logs(self, lines: int = 40) -> str:
        parts = []
        for replica in self.replicas:
            content = replica.log_file.read_text(errors="replace") if replica.log_file.exists() else ""
            tail = content.splitlines()[-lines:]
            parts.append(f"--- {replica.name} (exit {replica.process.returncode}) ---\n" + "\n".join(tail))
        return "\n".join(parts)

    def grep_logs(self, needle: str) -> int:
        return sum(replica.log_file.read_text(errors="replace").count(needle) for replica in self.replicas)


def as_agency(data: Contract, agency: str, **options: Any) -> OutgoingMessage:
    """An agency's CloudEvent for `data`, addressed to its own `collab.in.<agency>.…` subject."""
    return encode(data, source=agency_source(agency), agency=agency, **options)


async def publish_all(
    js: JetStreamContext,
    messages: Iterable[OutgoingMessage],
    *,
    window: int = 200,
    on_ack: Callable[[], None] | None = None,
) -> int:
    """Publish pipelined (up to `window` awaiting their PubAck) and return how many JetStream stored as new."""
    stored = 0
    pending: set[asyncio.Task[Any]] = set()

    async def one(message: OutgoingMessage) -> None:
        nonlocal stored
        ack = await js.publish(message.subject, message.body, headers=message.headers, timeout=30)
        stored += not ack.duplicate
        if on_ack is not None:
            on_ack()

    for message in messages:
        if len(pending) >= window:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        pending.add(asyncio.create_task(one(message)))
    if pending:
        await asyncio.gather(*pending)
    return stored


async def connect(url: str) -> Client:
    """A client of the server at `url`, or of a cluster's servers given comma-separated, reconnecting forever."""
    servers = [server.strip() for server in url.split(",") if server.strip()]
    return await nats.connect(servers, max_reconnect_attempts=-1, reconnect_time_wait=0.2, connect_timeout=5)


async def scalar(database_url: str, query: str, **parameters: Any) -> Any:
    """One value from a service's database, read directly (the test's ground truth)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(query), parameters)).scalar()
    finally:
        await engine.dispose()


async def rows(database_url: str, query: str, **parameters: Any) -> list[tuple[Any, ...]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in (await connection.execute(text(query), parameters)).all()]
    finally:
        await engine.dispose()


async def eventually(
    check: Callable[[], Any], *, timeout: float, interval: float = 0.5, message: str = "condition"
) -> Any:
    """Poll `check` (sync or async) until it returns a truthy value; fail with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{message} not reached in {timeout:.0f} s (last: {last!r})")


async def publish_each(
    js: JetStreamContext, messages: Sequence[OutgoingMessage], *, window: int = 200
) -> list[PubAck | Exception]:
    """Publish pipelined like `publish_all`; return, in order, each message's PubAck or the error refusing it.

    A message can be refused by the client (larger than the server's max_payload) or by the stream
    (larger than its max_msg_size, a JetStream header it does not allow): that is an outcome here, not a failure.
    """
    outcomes: list[PubAck | Exception] = [Exception("not published")] * len(messages)
    pending: set[asyncio.Task[None]] = set()

    async def one(index: int, message: OutgoingMessage) -> None:
        try:
            outcomes[index] = await js.publish(message.subject, message.body, headers=message.headers, timeout=30)
        except (TimeoutError, nats.errors.ConnectionClosedError):
            raise  # the broker did not answer: that is the test's problem, not an outcome
        except Exception as error:
            outcomes[index] = error

    for index, message in enumerate(messages):
        if len(pending) >= window:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        pending.add(asyncio.create_task(one(index, message)))
    if pending:
        await asyncio.gather(*pending)
    return outcomes


async def stream_messages(js: JetStreamContext, stream: str, subject: str = ">") -> list[RawStreamMsg]:
    """Every message `stream` holds on `subject`, oldest first, read directly (no consumer is created)."""
    found: list[RawStreamMsg] = []
    sequence = 1
    while True:
        try:
            raw = await js.get_msg(stream, seq=sequence, subject=subject, next=True)
        except NotFoundError:
            return found
        found.append(raw)
        assert raw.seq is not None
        sequence = raw.seq + 1
