"""Preferences (channels, opt-outs, zone), bulletins to the companies of their fields, and the daily digest."""

from __future__ import annotations

import json

import pytest
from nats.js import JetStreamContext

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
from tests.unit.notify.builders import (
    JAPANESE,
    THAI,
    bulletin,
    match_proposed,
    meeting_scheduled,
    preferences,
    profile,
    skill_record_updated,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def caught_up(js: JetStreamContext) -> None:
    """Wait until the notify service has handled everything the agencies sent so far."""

    async def done() -> bool:
        info = await js.consumer_info("COLLAB_IN", "notify-agencies")
        return bool(info.num_pending == 0 and info.num_ack_pending == 0)

    await eventually(done, what="the agencies' events handled")


async def test_an_opted_out_category_is_not_sent_and_times_follow_the_chosen_zone(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await from_agency(js, profile(THAI, email="somchai@siamcoastal.example"), "th-dip")
        await from_agency(js, profile(JAPANESE), "jp-mie")
        await from_agency(js, preferences(THAI, opted_out=["match_proposed"], time_zone="Asia/Tokyo"), "th-dip")
        await caught_up(js)
        await from_service(js, match_proposed(THAI, JAPANESE), "matching")
        await from_service(js, meeting_scheduled(THAI, JAPANESE), "events")
        rows = await wait_settled(service, 3)

    assert sorted((row.company_id, row.kind) for row in rows) == [
        (JAPANESE, "match_proposed"),
        (JAPANESE, "meeting_scheduled"),
        (THAI, "meeting_scheduled"),
    ]
    [meeting] = smtp.to("somchai@siamcoastal.example")
    assert "วันและเวลา: 26 พ.ย. 2569 เวลา 12:00 น.–12:20 น. (เวลาญี่ปุ่น)" in meeting.text
    assert "26 พ.ย. 2569 เวลา 10:00 น.–10:20 น. (เวลาไทย ณ สถานที่จัดงาน)" in meeting.text


async def test_preferences_for_a_company_the_agency_did_not_register_are_refused(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    async with running(notify_settings(nats_server.url, database_url)):
        await from_agency(js, profile(JAPANESE), "jp-mie")
        await from_agency(js, preferences(JAPANESE, channels=["email"]), "th-dip")
        await from_agency(js, preferences(THAI, channels=["email"]), "th-dip")

        async def told() -> bool:
            return len(await stored(js, "COLLAB_OUT", "collab.out.th-dip.rejected.v1")) == 2

        await eventually(told, what="th-dip told twice")
    reasons = [json.loads(m.data or b"")["reason"] for m in await stored(js, "COLLAB_OUT")]
    assert all("is not registered by th-dip: submit its profile first" in reason for reason in reasons)


async def test_a_bulletin_reaches_the_companies_of_its_fields_at_once_or_in_their_digest(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    seminar = {
        "en": "Cold-chain seminar in Yokkaichi",
        "th": "สัมมนาห่วงโซ่ความเย็นที่ยกกะอิจิ",
        "ja": "四日市コールドチェーンセミナー",
    }
    corrected = {"en": "HACCP week (corrected)", "th": "สัปดาห์ HACCP (แก้ไข)", "ja": "HACCPウィーク（訂正）"}
    # Stored before the service starts, the agencies' events are handled in one batch, committed at once:
    # a digest (every 2 s here) takes both bulletins or neither, even when its tick falls between the
    # moments the two were handled.
    await from_agency(js, profile(THAI, email="somchai@siamcoastal.example"), "th-dip")
    await from_agency(js, profile(JAPANESE, email="tanaka@mie-reito.example"), "jp-mie")
    solar = profile("th-0105559999999", email="solar@example.co.th", fields=("renewable_energy",))
    await from_agency(js, solar, "th-dip")
    await from_agency(js, preferences(JAPANESE, bulletins="daily_digest"), "jp-mie")
    await from_agency(js, bulletin("fi-1"), "jp-mie")
    await from_agency(js, bulletin("fi-2", title=seminar), "jp-mie")
    await from_agency(js, bulletin("fi-1", title=corrected), "jp-mie")
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp, digest_every=2.0)) as service:
        rows = await wait_settled(service, 3, timeout=20)

    assert sorted((row.company_id, row.kind) for row in rows) == [
        (JAPANESE, "bulletin_digest"),
        (THAI, "bulletin"),
        (THAI, "bulletin"),
    ], "fi-1 published twice reaches the Thai company once; the solar company is in another field"
    assert smtp.to("solar@example.co.th") == []
    thai = smtp.to("somchai@siamcoastal.example")
    assert sorted(mail.subject for mail in thai) == [
        "[นวัตกรรมอาหาร] สัปดาห์ HACCP: ตรวจประเมินฟรีสำหรับผู้แปรรูปอาหารทะเล",
        "[นวัตกรรมอาหาร] สัมมนาห่วงโซ่ความเย็นที่ยกกะอิจิ",
    ]
    [digest] = smtp.to("tanaka@mie-reito.example")
    assert digest.subject.startswith("本日のお知らせまとめ（2件、")
    assert "1. HACCPウィーク（訂正）" in digest.text, "the digest shows the corrected bulletin"
    assert "2. 四日市コールドチェーンセミナー" in digest.text
    assert "三重県　2026年11月26日" in digest.text


async def test_a_company_that_chose_line_only_gets_no_email(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await from_agency(js, profile(THAI, line_id="U-1"), "th-dip")
        await from_agency(js, preferences(THAI, channels=["line"]), "th-dip")
        await caught_up(js)
        await from_service(js, skill_record_updated(THAI), "training")
        await from_service(js, match_proposed(THAI, JAPANESE), "matching")
        await from_agency(js, profile(JAPANESE), "jp-mie")
        await wait_settled(service, 1)
        rows = await notification_rows(service)
    assert [(row.company_id, row.channel) for row in rows] == [(JAPANESE, "email")], "LINE is off; e-mail unwanted"
