"""A staged notification goes out when the batch that staged it commits, not at the dispatcher's next poll,
and is not held up by a slow send of an earlier batch; an idle service, or a batch with nothing to
relay, wakes neither the dispatcher nor the outbox relay for nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import event, func, select

from services.notify.store.tables import RecipientRow
from shared.runtime.service import Service
from tests.integration.notify.harness import from_agency, from_service, notify_settings, running, wait_settled
from tests.integration.notify.servers import SmtpSink
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.notify.builders import JAPANESE, THAI, match_proposed, profile


async def test_a_commit_wakes_the_dispatcher_that_would_otherwise_sleep_an_hour(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    # The dispatcher looks once at start (nothing is due yet), then would wait an hour: only the
    # consumers' commits can make it send.
    settings = notify_settings(nats_server.url, database_url, smtp=smtp, dispatch_interval=3600.0)
    async with running(settings) as service:
        await from_agency(js, profile(THAI), "th-dip")
        await from_agency(js, profile(JAPANESE), "jp-mie")
        await from_service(js, match_proposed(match_id="m-woken"), "matching")
        rows = await wait_settled(service, 2)
    assert {row.status for row in rows} == {"sent"}
    assert smtp.count() == 2


async def test_a_send_that_hangs_does_not_hold_up_the_next_batch(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    # Batches of two, two sends at a time; the mail server does not answer the first message it gets.
    # The next batch is claimed as soon as each send of the first has begun, and goes out over the
    # other slot: a dispatcher that waited for its whole batch would send nothing more.
    smtp.hold_first = True
    settings = notify_settings(
        nats_server.url, database_url, smtp=smtp, dispatch_batch=2, dispatch_concurrency=2, smtp_timeout=60.0
    )
    async with running(settings) as service:
        await from_agency(js, profile(THAI), "th-dip")
        await from_agency(js, profile(JAPANESE), "jp-mie")
        for n in range(3):
            await from_service(js, match_proposed(match_id=f"m-batch-{n}"), "matching")

        async def others_sent() -> bool:
            return smtp.count() == 5

        await eventually(others_sent, what="the five other e-mails sent while the first hangs")
        assert not smtp.let_go.is_set()
        smtp.let_go.set()
        rows = await wait_settled(service, 6)
    assert {row.status for row in rows} == {"sent"}
    assert smtp.count() == 6


class Looks:
    """Counts the dispatcher's and the outbox relay's looks for work, and the inbox lookups (one per batch)."""

    def __init__(self) -> None:
        self.notifications = self.outbox = self.batches = 0

    def count(self, connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            if "ORDER BY notify_notifications.next_attempt_at" in statement:
                self.notifications += 1
            elif "ORDER BY outbox.id" in statement:
                self.outbox += 1
            elif "FROM inbox" in statement:
                self.batches += 1

    @contextmanager
    def on(self, service: Service) -> Iterator[Looks]:
        engine = service.sessions.kw["bind"].sync_engine
        event.listen(engine, "before_cursor_execute", self.count)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", self.count)


async def test_an_idle_service_looks_for_work_once_an_interval_not_after_each_of_its_own_looks(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    # The dispatcher's own commits (a claim that found nothing) must not wake it, nor the outbox relay
    # when nothing was staged: until 2026-11-27 each look woke both, and an idle service looked every
    # few milliseconds for ever, holding the database and most of a core.
    settings = notify_settings(nats_server.url, database_url, smtp=smtp, dispatch_interval=0.5)
    async with running(settings) as service:
        await asyncio.sleep(0.5)  # past start-up
        with Looks().on(service) as looks:
            await asyncio.sleep(3.0)
    # 3 s: six looks at 0.5 s for the dispatcher, three at 1 s for the relay; a little slack for timers.
    assert 4 <= looks.notifications <= 8
    assert looks.outbox <= 5


async def test_a_batch_that_staged_no_events_does_not_wake_the_outbox_relay(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    # Profiles only fill notify's directory: their batches stage no outgoing events, so the relay has
    # nothing to look for (it still looks once a second). The dispatcher is woken by each batch.
    settings = notify_settings(nats_server.url, database_url, smtp=smtp, dispatch_interval=3600.0)
    async with running(settings) as service:
        await asyncio.sleep(0.5)
        with Looks().on(service) as looks:
            for n in range(20):
                await from_agency(js, profile(f"th-01055500{n:05d}"), "th-dip")
                await asyncio.sleep(0.1)

            async def registered() -> bool:
                async with service.sessions() as session:
                    return await session.scalar(select(func.count()).select_from(RecipientRow)) == 20

            await eventually(registered, what="20 profiles in the directory")
    assert looks.batches >= 10, "the profiles came in batches of their own"
    assert looks.notifications >= looks.batches, "each batch woke the dispatcher"
    assert looks.outbox <= 5, "the relay looked once a second, not after each batch"
