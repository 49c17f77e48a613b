"""E-mails share a few kept-open SMTP connections, and a server closing them mid-batch loses and repeats nothing.

The SMTP server (aiosmtpd) counts the connections it serves and the messages it accepts.
"""

from __future__ import annotations

import collections
from typing import Literal

import pytest

from tests.integration.notify.harness import notify_settings, running, stage_e_mails, wait_settled
from tests.integration.notify.servers import SmtpSink
from tests.support.infra import Broker

E_MAILS = 12
CONCURRENCY = 2


def once_each(smtp: SmtpSink) -> collections.Counter[str]:
    with smtp.lock:
        return collections.Counter(mail.notification_id for mail in smtp.mails)


@pytest.mark.usefixtures("js")  # the streams the service needs
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_e_mails_go_over_no_more_connections_than_sends_in_flight(
    nats_server: Broker, database_url: str, smtp: SmtpSink
) -> None:
    settings = notify_settings(nats_server.url, database_url, smtp=smtp, dispatch_concurrency=CONCURRENCY)
    async with running(settings) as service:
        await stage_e_mails(service, E_MAILS)
        rows = await wait_settled(service, E_MAILS)
    assert {row.status for row in rows} == {"sent"}
    assert set(once_each(smtp).values()) == {1}
    assert smtp.count() == E_MAILS
    assert 1 <= smtp.connections <= CONCURRENCY, f"{E_MAILS} e-mails over {smtp.connections} connections"


@pytest.mark.usefixtures("js")
@pytest.mark.parametrize("closing", ["drop", "421"])
async def test_a_server_closing_kept_connections_mid_batch_gets_every_e_mail_once_at_the_first_attempt(
    nats_server: Broker, database_url: str, smtp: SmtpSink, closing: Literal["drop", "421"]
) -> None:
    settings = notify_settings(nats_server.url, database_url, smtp=smtp, dispatch_concurrency=CONCURRENCY)
    smtp.close_after, smtp.closing = 3, closing  # each connection closed at its fourth message's MAIL
    async with running(settings) as service:
        await stage_e_mails(service, E_MAILS)
        rows = await wait_settled(service, E_MAILS)
    assert {row.status for row in rows} == {"sent"}
    assert {row.attempts for row in rows} == {1}, "sent over a new connection at once, not retried later"
    counted = once_each(smtp)
    assert len(counted) == E_MAILS
    assert set(counted.values()) == {1}
    assert E_MAILS // 3 <= smtp.connections < E_MAILS
