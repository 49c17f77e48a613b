"""E-mail against a real SMTP server (aiosmtpd): each side of a match in its own language, sent and recorded."""

from __future__ import annotations

import json

import pytest
from nats.js import JetStreamContext

from shared.messaging import dlq
from tests.integration.notify.harness import from_agency, from_service, notify_settings, running, wait_settled
from tests.integration.notify.servers import SmtpSink
from tests.support.infra import Broker
from tests.support.probe import stored
from tests.unit.notify.builders import JAPANESE, THAI, match_confirmed, match_proposed, profile


async def test_a_proposed_match_reaches_both_sides_in_their_languages_without_contact_details(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await from_agency(js, profile(THAI, email="somchai@siamcoastal.example"), "th-dip")
        await from_agency(js, profile(JAPANESE, email="tanaka@mie-reito.example"), "jp-mie")
        proposal = await from_service(js, match_proposed(THAI, JAPANESE), "matching")
        rows = await wait_settled(service, 2)

    [thai] = smtp.to("somchai@siamcoastal.example")
    [japanese] = smtp.to("tanaka@mie-reito.example")
    assert thai.subject == "ข้อเสนอจับคู่ธุรกิจสำหรับท่าน: Mie Refrigeration Machinery", "no Thai name: English"
    assert thai.message["Content-Language"] == "th"
    assert "เรียน คุณSomchai P." in thai.text
    assert "อีกฝ่ายเสนอ cold chain ซึ่งท่านกำลังมองหา" in thai.text
    assert "บุคลากรของท่านผ่านการฝึกอบรมด้านความปลอดภัยอาหาร (HACCP)" in thai.text
    assert "10 ธ.ค. 2569" in thai.text, "Thai dates in the Buddhist Era"
    assert japanese.subject == "ビジネスパートナーのご提案：Siam Coastal Foods"
    assert japanese.message["Content-Language"] == "ja"
    assert "田中 一郎 様" in japanese.text
    assert "貴社が提供する「cold chain」は、先方が求めているものです。" in japanese.text
    assert "2026年12月10日" in japanese.text
    for mail in (thai, japanese):
        assert "@" not in mail.text, "no contact details before both sides accepted"
        assert "+66" not in mail.text
        assert "+81" not in mail.text
        assert mail.message["Message-ID"] == f"<{mail.notification_id}@kakehashi.example>"
        assert mail.message["From"] == "Kakehashi <noreply@kakehashi.example>"

    assert {row.status for row in rows} == {"sent"}
    assert {row.company_id for row in rows} == {THAI, JAPANESE}
    sent = [json.loads(message.data or b"") for message in await stored(js, "NOTIFY")]
    assert sorted(event["notification_id"] for event in sent) == sorted(row.notification_id for row in rows)
    assert {event["source_event_id"] for event in sent} == {proposal.id}
    assert {event["channel"] for event in sent} == {"email"}
    assert {event["category"] for event in sent} == {"match_proposed"}
    assert await dlq.scan(js) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_confirmed_match_introduces_each_side_with_the_others_contact_when_shared(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await from_agency(js, profile(THAI, email="somchai@siamcoastal.example", language="en"), "th-dip")
        await from_agency(js, profile(JAPANESE, email="tanaka@mie-reito.example"), "jp-mie")
        await from_service(js, match_confirmed(THAI, JAPANESE, share_b=False), "matching")
        await wait_settled(service, 2)

    [thai] = smtp.to("somchai@siamcoastal.example")
    [japanese] = smtp.to("tanaka@mie-reito.example")
    assert thai.subject == "Introduction: Mie Refrigeration Machinery accepted your match"
    assert "has not agreed to share its contact details directly" in thai.text
    assert "tanaka@" not in thai.text, "the Japanese side did not consent to share its contact"
    assert "サイアム" not in japanese.text
    assert "ご担当者" in japanese.text
    assert "Somchai P." in japanese.text
    assert f"contact@{THAI}.example" in japanese.text, "the Thai side's contact, as it consented"
    assert "+66 38 123 456" in japanese.text
    assert "希望言語：タイ語" in japanese.text
    assert await stored(js, "NOTIFY", "collab.notify.notification.sent.v1") != []
