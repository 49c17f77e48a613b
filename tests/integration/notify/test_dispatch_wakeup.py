"""A staged notification goes out when the batch that staged it commits, not at the dispatcher's next poll,
and is not held up by a slow send of an earlier batch."""

from __future__ import annotations

from nats.js import JetStreamContext

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
