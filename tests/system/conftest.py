"""Fixtures of the system tests: the four services as OS processes on real NATS, PostgreSQL and SMTP."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.contracts.subjects import SERVICES
from shared.runtime.mailsink import MailSink
from tests.support.infra import Broker, postgres_database
from tests.support.system import System


@pytest.fixture
def mail_sink() -> Iterator[MailSink]:
    """A real SMTP server on a free port, keeping every message it accepts."""
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def service_databases(postgres_admin_url: str) -> Iterator[dict[str, str]]:
    """A new PostgreSQL database per service, as in production."""
    with contextlib.ExitStack() as stack:
        yield {service: stack.enter_context(postgres_database(postgres_admin_url)) for service in SERVICES}


@pytest.fixture
def system(
    tmp_path: Path, nats_server: Broker, service_databases: dict[str, str], mail_sink: MailSink
) -> Iterator[System]:
    """Nothing started yet: the test starts the services it wants (`system.start()`), all stopped afterwards."""
    running = System(folder=tmp_path, nats_url=nats_server.url, databases=service_databases, sink=mail_sink)
    try:
        yield running
    finally:
        running.stop(timeout=30)
