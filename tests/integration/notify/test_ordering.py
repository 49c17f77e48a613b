"""Across streams, a match may overtake its companies' profiles: it waits for them, and is sent once they come."""

from __future__ import annotations

import asyncio
import collections

import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select

from services.notify.store.tables import WaitingRow
from shared.runtime.service import Service
from tests.integration.notify.harness import from_agency, from_service, notify_settings, running, wait_settled
from tests.integration.notify.servers import SmtpSink
from tests.support.infra import Broker
from tests.support.probe import eventually
from tests.unit.notify.builders import JAPANESE, THAI, match_proposed, profile, registration_confirmed, withdrawal


async def waiting(service: Service) -> int:
    async with service.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(WaitingRow)) or 0)


async def test_a_proposal_ahead_of_the_profiles_waits_for_them_then_reaches_both(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await from_service(js, match_proposed(THAI, JAPANESE), "matching")

        async def parked() -> bool:
            return await waiting(service) == 2

        await eventually(parked, what="the proposal waiting for both companies")
        assert smtp.count() == 0
        await from_agency(js, profile(THAI, email="somchai@siamcoastal.example"), "th-dip")
        await from_agency(js, profile(JAPANESE, email="tanaka@mie-reito.example"), "jp-mie")
        rows = await wait_settled(service, 2)
        assert await waiting(service) == 0
    assert {row.status for row in rows} == {"sent"}
    assert len(smtp.to("somchai@siamcoastal.example")) == 1
    assert len(smtp.to("tanaka@mie-reito.example")) == 1


async def test_profiles_and_proposals_racing_on_two_streams_lose_no_notification(
    nats_server: Broker, js: JetStreamContext, postgres_url: str, smtp: SmtpSink
) -> None:
    pairs = [(f"th-01055512340{n:02d}", f"jp-11900012340{n:02d}") for n in range(15)]
    async with running(notify_settings(nats_server.url, postgres_url, smtp=smtp, fetch_batch=4)) as service:

        async def profiles() -> None:
            for thai, japanese in pairs:
                await from_agency(js, profile(thai), "th-dip")
                await from_agency(js, profile(japanese), "jp-mie")

        async def proposals() -> None:
            for n, (thai, japanese) in enumerate(pairs):
                await from_service(js, match_proposed(thai, japanese, match_id=f"m-race-{n}"), "matching")

        await asyncio.gather(profiles(), proposals())
        rows = await wait_settled(service, 2 * len(pairs), timeout=60)
        assert await waiting(service) == 0
    assert {row.status for row in rows} == {"sent"}
    with smtp.lock:
        counted = collections.Counter(mail.notification_id for mail in smtp.mails)
    assert len(counted) == 2 * len(pairs)
    assert set(counted.values()) == {1}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_news_for_a_company_that_withdrew_is_dropped_not_kept_waiting(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    async with running(notify_settings(nats_server.url, database_url, smtp=smtp)) as service:
        await from_agency(js, profile(JAPANESE, email="tanaka@mie-reito.example"), "jp-mie")
        await from_agency(js, profile(THAI), "th-dip")
        await from_agency(js, withdrawal(THAI), "th-dip")
        await from_agency(js, profile(JAPANESE, version=2, email="tanaka@mie-reito.example"), "jp-mie")

        async def directory_caught_up() -> bool:
            info = await js.consumer_info("COLLAB_IN", "notify-agencies")
            return bool(info.num_pending == 0 and info.num_ack_pending == 0)

        await eventually(directory_caught_up, what="the directory up to date")
        await from_service(js, registration_confirmed(THAI), "events")
        await from_service(js, match_proposed(THAI, JAPANESE), "matching")
        [row] = await wait_settled(service, 1)
        assert await waiting(service) == 0
    assert row.company_id == JAPANESE
    assert len(smtp.to("tanaka@mie-reito.example")) == 1
