"""Exactly one e-mail per (event, recipient, channel): across redeliveries, restarts and replicas.

The SMTP server (aiosmtpd) counts what it accepts; every assertion is on what it received.
"""

from __future__ import annotations

import collections
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from nats.js import JetStreamContext
from sqlalchemy import update

from services.notify.store.tables import NotificationRow
from shared.messaging.envelope import NATS_MSG_ID, OutgoingMessage
from shared.messaging.publisher import publish
from tests.integration.notify.harness import (
    from_agency,
    from_service,
    notification_rows,
    notify_settings,
    running,
    stage_e_mails,
    wait_settled,
)
from tests.integration.notify.servers import SmtpSink
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.notify.builders import JAPANESE, THAI, match_proposed, profile, registration_confirmed


def again(message: OutgoingMessage) -> OutgoingMessage:
    """The same event (same ce-id, same data) stored once more, as a redelivery or a publisher's retry does."""
    return OutgoingMessage(message.subject, {**message.headers, NATS_MSG_ID: f"{message.id}:again"}, message.body)


def once_each(smtp: SmtpSink) -> collections.Counter[str]:
    with smtp.lock:
        return collections.Counter(mail.notification_id for mail in smtp.mails)


async def register_pair(js: JetStreamContext) -> None:
    await from_agency(js, profile(THAI), "th-dip")
    await from_agency(js, profile(JAPANESE), "jp-mie")


async def test_a_redelivered_event_sends_nothing_again(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await register_pair(js)
        proposal = await from_service(js, match_proposed(match_id="m-first"), "matching")
        await wait_settled(service, 2)
        await publish(js, again(proposal))
        await publish(js, again(proposal))
        # A later event on the same stream: once its mails are out, the repeats before it were handled.
        await from_service(js, match_proposed(match_id="m-marker"), "matching")
        await wait_settled(service, 4)

    counted = once_each(smtp)
    assert len(counted) == 4
    assert set(counted.values()) == {1}
    assert smtp.count() == 4


async def test_a_restart_sends_what_was_pending_exactly_once(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    smtp.fail_next = 1000  # the mail server is down (451): notifications stay pending, retried
    settings = notify_settings(
        nats_server.url, database_url, smtp=smtp, send_retry_delay=0.5, send_retry_max_delay=0.5, send_attempts=50
    )
    async with running(settings) as first:
        await register_pair(js)
        await from_service(js, match_proposed(match_id="m-first"), "matching")

        async def tried() -> bool:
            rows = await notification_rows(first)
            return len(rows) == 2 and all(row.attempts >= 1 and row.status == "pending" for row in rows)

        await eventually(tried, what="two notifications tried and pending")
    assert smtp.count() == 0

    smtp.fail_next = 0
    async with running(settings) as second:
        rows = await wait_settled(second, 2)
    assert {row.status for row in rows} == {"sent"}

    async with running(settings) as third:
        await from_service(js, match_proposed(match_id="m-after-restarts"), "matching")
        await wait_settled(third, 4)
    counted = once_each(smtp)
    assert len(counted) == 4
    assert set(counted.values()) == {1}, "nothing sent twice across three processes"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_service_stopped_mid_send_finishes_and_records_it_so_its_successor_sends_nothing_again(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    smtp.delay = 1.0  # a slow mail server: the stop arrives while the message is being handed over
    settings = notify_settings(nats_server.url, database_url, smtp=smtp)
    async with running(settings) as first:
        await from_agency(js, profile(THAI), "th-dip")
        await from_service(js, registration_confirmed(THAI), "events")
        await eventually(polled(smtp.receiving.is_set), what="the SMTP server receiving the message")
    async with running(settings) as second:
        [row] = await notification_rows(second)
        assert row.status == "sent", "recorded by the stopping service, not left to its lease"
        smtp.delay = 0.0
        await from_service(js, registration_confirmed(JAPANESE), "events")
        await from_agency(js, profile(JAPANESE), "jp-mie")
        await wait_settled(second, 2)
    counted = once_each(smtp)
    assert len(counted) == 2
    assert set(counted.values()) == {1}
    assert first is not second


def polled(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    """A plain check, for `eventually`."""

    async def checked() -> bool:
        return check()

    return checked


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_notification_claimed_by_a_replica_that_died_is_sent_once_its_lease_ends(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    smtp.fail_next = 1000
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp, send_retry_delay=60)) as service:
        await register_pair(js)
        await from_service(js, match_proposed(), "matching")

        async def waiting_a_minute() -> bool:
            rows = await notification_rows(service)
            return len(rows) == 2 and all(row.attempts == 1 and row.claimed_by is None for row in rows)

        await eventually(waiting_a_minute, what="two notifications tried once, next try in a minute")
        # As if another replica had claimed them and died: its lease runs out in a second.
        async with service.sessions() as session, session.begin():
            await session.execute(
                update(NotificationRow).values(
                    next_attempt_at=datetime.now(UTC),
                    claimed_by="a-replica-that-died",
                    claimed_until=datetime.now(UTC) + timedelta(seconds=1),
                )
            )
        smtp.fail_next = 0
        rows = await wait_settled(service, 2)
    assert {row.status for row in rows} == {"sent"}
    assert len(once_each(smtp)) == 2
    assert smtp.count() == 2


async def test_two_replicas_on_one_database_send_each_notification_once(
    nats_server: Broker, js: JetStreamContext, postgres_url: str, smtp: SmtpSink
) -> None:
    settings = notify_settings(nats_server.url, postgres_url, smtp=smtp, dispatch_batch=2, dispatch_concurrency=2)
    pairs = [(f"th-01055500000{n:02d}", f"jp-11900000000{n:02d}") for n in range(12)]
    async with running(settings) as one, running(settings) as _other:
        for thai, japanese in pairs:
            await from_agency(js, profile(thai), "th-dip")
            await from_agency(js, profile(japanese), "jp-mie")
        for n, (thai, japanese) in enumerate(pairs):
            await from_service(js, match_proposed(thai, japanese, match_id=f"m-{n}"), "matching")
        rows = await wait_settled(one, 2 * len(pairs), timeout=60)
    assert {row.status for row in rows} == {"sent"}
    counted = once_each(smtp)
    assert len(counted) == 2 * len(pairs)
    assert set(counted.values()) == {1}


@pytest.mark.usefixtures("js")
async def test_a_batch_outlasting_its_lease_gives_back_what_it_has_not_begun_so_two_replicas_send_each_once(
    nats_server: Broker, postgres_url: str, smtp: SmtpSink
) -> None:
    # One replica claims all eight; sent one at a time, they would take 2.4 s, and the lease ends after 1 s.
    settings = notify_settings(
        nats_server.url, postgres_url, smtp=smtp, dispatch_lease=1.0, dispatch_batch=10, dispatch_concurrency=1
    )
    smtp.delay = 0.3
    async with running(settings) as one, running(settings) as _other:
        await stage_e_mails(one, 8)
        rows = await wait_settled(one, 8)
    assert {row.status for row in rows} == {"sent"}
    counted = once_each(smtp)
    assert len(counted) == 8
    assert set(counted.values()) == {1}, "no e-mail sent by both replicas"
