"""Fixtures of the notify tests: real SMTP, webhook and LINE servers, each on a free local port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.notify.harness import LINE_TOKEN, WEBHOOK_SECRET
from tests.integration.notify.servers import (
    LineApi,
    SmtpSink,
    WebhookReceiver,
    line_server,
    smtp_server,
    webhook_server,
)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with smtp_server() as sink:
        yield sink


@pytest.fixture
def line() -> Iterator[LineApi]:
    with line_server(LINE_TOKEN) as api:
        yield api


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_server(WEBHOOK_SECRET) as endpoint:
        yield endpoint
