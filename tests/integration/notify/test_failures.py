"""A notification that cannot be delivered: `NotificationFailed`, a DLQ entry, and a replay that sends it once."""

from __future__ import annotations

import json

import pytest
from nats.js import JetStreamContext

from shared.messaging import dlq
from tests.integration.notify.harness import (
    from_agency,
    from_service,
    notification_rows,
    notify_settings,
    running,
    wait_settled,
)
from tests.integration.notify.servers import SmtpSink
from tests.support.infra import Broker
from tests.support.probe import eventually, stored
from tests.unit.notify.builders import THAI, profile, registration_confirmed, registration_promoted

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ADDRESS = "somchai@siamcoastal.example"


async def test_a_refused_address_fails_at_once_and_its_dead_letter_replayed_sends_it_once(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    smtp.refused.add(ADDRESS)
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await from_agency(js, profile(THAI, email=ADDRESS), "th-dip")
        registration = await from_service(js, registration_confirmed(THAI), "events")
        [row] = await wait_settled(service, 1)
        assert (row.status, row.attempts) == ("failed", 1), "a 550 is not retried"

        async def reported() -> bool:  # the outbox relay publishes just after the commit
            failures = await stored(js, "NOTIFY", "collab.notify.notification.failed.v1")
            return len(failures) == 1 and len(await dlq.scan(js, service="notify")) == 1

        await eventually(reported, what="the failure published and in the DLQ")
        [failed] = await stored(js, "NOTIFY", "collab.notify.notification.failed.v1")
        event = json.loads(failed.data or b"")
        assert event["notification_id"] == row.notification_id
        assert event["source_event_id"] == registration.id
        assert (event["channel"], event["company_id"], event["category"]) == ("email", THAI, "registration")
        assert event["reason"].startswith("SMTP refused the recipient: 550")
        assert ADDRESS not in event["reason"], "no personal data in events the erasure cannot reach"

        [letter] = await dlq.scan(js, service="notify")
        assert (letter.consumer, letter.failure.kind, letter.deliveries) == ("notify-retries", "permanent", 1)
        assert letter.subject == "collab.notify.notification.retry_requested.v1"
        assert ADDRESS.encode() not in letter.body
        assert json.loads(letter.body)["notification_id"] == row.notification_id

        smtp.refused.clear()  # the operator had the address fixed at the mail server
        await dlq.replay(js, letter.id)

        async def sent_again() -> bool:
            [again] = await notification_rows(service)
            return again.status == "sent"

        await eventually(sent_again, what="the replayed notification sent")
    [mail] = smtp.to(ADDRESS)
    assert mail.notification_id == row.notification_id
    assert mail.subject.startswith("ยืนยันการลงทะเบียน: ")
    assert await dlq.scan(js, service="notify") == [], "the entry left the DLQ with its replay"
    assert len(await stored(js, "NOTIFY", "collab.notify.notification.sent.v1")) == 1


async def test_a_mail_server_down_for_good_exhausts_the_attempts_then_fails(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    smtp.fail_next = 1000
    settings = notify_settings(nats_server.url, database_url, smtp=smtp, send_attempts=3)
    async with running(settings) as service:
        await from_agency(js, profile(THAI, email=ADDRESS), "th-dip")
        await from_service(js, registration_promoted(THAI), "events")
        [row] = await wait_settled(service, 1)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error is not None
    assert row.last_error.startswith("SMTP answered 451")
    [letter] = await dlq.scan(js, service="notify")
    assert (letter.failure.kind, letter.deliveries) == ("exhausted", 3)
    assert smtp.count() == 0
