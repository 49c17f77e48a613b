"""An agency's webhook against a real local HTTP server that verifies the HMAC signature as an agency would."""

from __future__ import annotations

import json

import pytest
from nats.js import JetStreamContext

from services.notify.store import directory
from shared.messaging import dlq
from shared.runtime.service import Service
from tests.integration.notify.harness import (
    from_agency,
    from_service,
    notification_rows,
    notify_settings,
    running,
    wait_settled,
)
from tests.integration.notify.servers import WebhookReceiver
from tests.support.infra import Broker
from tests.support.probe import eventually, stored
from tests.unit.notify.builders import JAPANESE, THAI, match_proposed, meeting_scheduled, profile, webhook

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def registered(service: Service, agency: str) -> None:
    async def present() -> bool:
        async with service.sessions() as session:
            return await directory.webhook(session, agency) is not None

    await eventually(present, what=f"{agency}'s webhook registered")


async def test_the_agencys_webhook_receives_signed_json_about_its_own_companies(
    nats_server: Broker, js: JetStreamContext, database_url: str, receiver: WebhookReceiver
) -> None:
    async with running(notify_settings(nats_server.url, database_url)) as service:
        await from_agency(js, webhook(receiver.url, categories=("match_proposed",)), "th-dip")
        await from_agency(js, profile(THAI), "th-dip")
        await from_agency(js, profile(JAPANESE), "jp-mie")
        await registered(service, "th-dip")
        proposal = await from_service(js, match_proposed(THAI, JAPANESE), "matching")
        await from_service(js, meeting_scheduled(THAI, JAPANESE), "events")
        [row] = await wait_settled(service, 1)

    [delivery] = receiver.deliveries()
    assert delivery.signature_valid, "HMAC-SHA256 over '<timestamp>.<body>' with th-dip's secret"
    assert delivery.notification_id == row.notification_id == delivery.document["notification_id"]
    document = delivery.document
    assert document["company_id"] == THAI, "only th-dip's company; jp-mie registered no webhook"
    assert document["agency"] == "th-dip"
    assert (document["kind"], document["category"]) == ("match_proposed", "match_proposed")
    assert document["source_event"] == {"id": proposal.id, "type": "collab.matching.match.proposed.v1"}
    assert document["language"] == "th"
    assert document["subject"].startswith("ข้อเสนอจับคู่ธุรกิจสำหรับท่าน")
    assert document["facts"]["other"]["company_id"] == JAPANESE
    assert document["facts"]["score"] == 0.82
    [sent] = await stored(js, "NOTIFY", "collab.notify.notification.sent.v1")
    event = json.loads(sent.data or b"")
    assert (event["channel"], event["agency"], event["company_id"]) == ("webhook", "th-dip", None)


async def test_a_webhook_answering_503_is_retried_with_the_same_notification_id(
    nats_server: Broker, js: JetStreamContext, database_url: str, receiver: WebhookReceiver
) -> None:
    receiver.answers = [503, 503]
    async with running(notify_settings(nats_server.url, database_url)) as service:
        await from_agency(js, webhook(receiver.url), "th-dip")
        await from_agency(js, profile(THAI), "th-dip")
        await registered(service, "th-dip")
        await from_service(js, meeting_scheduled(THAI, JAPANESE), "events")
        [row] = await wait_settled(service, 1)
    assert (row.status, row.attempts) == ("sent", 3)
    [delivery] = receiver.deliveries()
    assert delivery.notification_id == row.notification_id
    assert delivery.signature_valid


async def test_a_webhook_answering_404_fails_for_good_and_is_dead_lettered(
    nats_server: Broker, js: JetStreamContext, database_url: str, receiver: WebhookReceiver
) -> None:
    async with running(notify_settings(nats_server.url, database_url)) as service:
        await from_agency(js, webhook(receiver.url.replace("/hooks/kakehashi", "/moved")), "th-dip")
        await from_agency(js, profile(THAI), "th-dip")
        await registered(service, "th-dip")
        await from_service(js, meeting_scheduled(THAI, JAPANESE), "events")
        [row] = await wait_settled(service, 1)
    assert (row.status, row.attempts) == ("failed", 1)
    [failed] = await stored(js, "NOTIFY", "collab.notify.notification.failed.v1")
    assert json.loads(failed.data or b"")["reason"].startswith("the webhook answered 404")
    [letter] = await dlq.scan(js, service="notify")
    assert letter.failure.kind == "permanent"


async def test_a_webhook_of_an_agency_without_a_configured_secret_is_refused_to_the_agency(
    nats_server: Broker, js: JetStreamContext, database_url: str, receiver: WebhookReceiver
) -> None:
    async with running(notify_settings(nats_server.url, database_url)) as service:
        registration = await from_agency(js, webhook(receiver.url), "jp-mie")

        async def told() -> bool:
            return len(await stored(js, "COLLAB_OUT", "collab.out.jp-mie.rejected.v1")) == 1

        await eventually(told, what="jp-mie told its webhook was refused")
        assert await notification_rows(service) == []
    [notice] = await stored(js, "COLLAB_OUT", "collab.out.jp-mie.rejected.v1")
    refusal = json.loads(notice.data or b"")
    assert refusal["event_id"] == registration.id
    assert "No signing secret is configured for jp-mie" in refusal["reason"]
    assert refusal["rejected_by"] == "notify"
