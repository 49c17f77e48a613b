"""LINE push against a local server implementing the push endpoint's contract: token, retry key, 409, 5xx."""

from __future__ import annotations

import json
import uuid

import pytest
from nats.js import JetStreamContext

from services.notify.domain.routing import line_retry_key
from shared.messaging import dlq
from tests.integration.notify.harness import (
    LINE_TOKEN,
    from_agency,
    from_service,
    notify_settings,
    running,
    wait_settled,
)
from tests.integration.notify.servers import LineApi
from tests.support.infra import Broker
from tests.support.probe import stored
from tests.unit.notify.builders import THAI, profile, skill_record_updated

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
USER = "U4af4980629f2c1a3e5b7d9f1a3c5e7d9"


async def test_a_push_carries_the_token_and_one_retry_key_and_is_retried_after_server_errors(
    nats_server: Broker, js: JetStreamContext, database_url: str, line: LineApi
) -> None:
    line.users.add(USER)
    line.fail_next = 2
    async with running(notify_settings(nats_server.url, database_url, line=line)) as service:
        await from_agency(js, profile(THAI, line_id=USER), "th-dip")
        await from_service(js, skill_record_updated(THAI), "training")
        [row] = await wait_settled(service, 1)

    assert (row.channel, row.status, row.attempts) == ("line", "sent", 3)
    [push] = line.pushes_to(USER)
    [message] = push["messages"]
    assert message["type"] == "text"
    assert message["text"].startswith("ขอแสดงความยินดี: ")
    assert "ความปลอดภัยอาหาร (HACCP)" in message["text"]
    key = line_retry_key(row.notification_id)
    assert uuid.UUID(key)
    assert line.requests == [(key, "500"), (key, "500"), (key, "200")], "the same key on every attempt"
    [sent] = await stored(js, "NOTIFY", "collab.notify.notification.sent.v1")
    assert json.loads(sent.data or b"")["channel"] == "line"


async def test_a_push_whose_answer_was_lost_is_not_delivered_twice(
    nats_server: Broker, js: JetStreamContext, database_url: str, line: LineApi
) -> None:
    line.users.add(USER)
    line.lose_answers = 1  # LINE accepts the push, but we only see a 500
    async with running(notify_settings(nats_server.url, database_url, line=line)) as service:
        await from_agency(js, profile(THAI, line_id=USER), "th-dip")
        await from_service(js, skill_record_updated(THAI), "training")
        [row] = await wait_settled(service, 1)

    assert row.status == "sent", "409 on the retry means LINE already has it"
    assert len(line.pushes_to(USER)) == 1
    assert [status for _, status in line.requests] == ["500", "409"]


async def test_a_refused_push_fails_for_good_without_the_user_id_in_the_reason(
    nats_server: Broker, js: JetStreamContext, database_url: str, line: LineApi
) -> None:
    async with running(notify_settings(nats_server.url, database_url, line=line)) as service:
        await from_agency(js, profile(THAI, line_id="U-unknown-to-line"), "th-dip")
        await from_service(js, skill_record_updated(THAI), "training")
        [row] = await wait_settled(service, 1)

    assert (row.status, row.attempts) == ("failed", 1), "a 400 is not retried"
    [failed] = await stored(js, "NOTIFY", "collab.notify.notification.failed.v1")
    reason = json.loads(failed.data or b"")["reason"]
    assert reason.startswith("LINE answered 400")
    assert "U-unknown-to-line" not in reason
    [letter] = await dlq.scan(js, service="notify")
    assert letter.failure.kind == "permanent"
    assert letter.consumer == "notify-retries"


async def test_a_wrong_channel_token_is_refused_and_reported(
    nats_server: Broker, js: JetStreamContext, database_url: str, line: LineApi
) -> None:
    line.users.add(USER)
    line.token = LINE_TOKEN + "-rotated"
    async with running(notify_settings(nats_server.url, database_url, line=line)) as service:
        await from_agency(js, profile(THAI, line_id=USER), "th-dip")
        await from_service(js, skill_record_updated(THAI), "training")
        [row] = await wait_settled(service, 1)
    assert row.status == "failed"
    assert row.last_error is not None
    assert row.last_error.startswith("LINE answered 401")
    assert line.pushes_to(USER) == []
