"""A staged notification goes out when the batch that staged it commits, not at the dispatcher's next poll."""

from __future__ import annotations

from nats.js import JetStreamContext

from tests.integration.notify.harness import from_agency, from_service, notify_settings, running, wait_settled
from tests.integration.notify.servers import SmtpSink
from tests.support.infra import Broker
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
