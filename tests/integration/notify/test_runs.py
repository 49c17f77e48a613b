"""Profiles and proposals stored before the service starts come in one batch, handled as runs: the
directory and the notifications must be what handling them one at a time, in order, would give."""

from __future__ import annotations

from nats.js import JetStreamContext
from sqlalchemy import select

from services.notify.store.tables import RecipientFieldRow, RecipientRow, WaitingRow, WithdrawnRow
from shared.runtime.service import Service
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
from tests.support.probe import eventually
from tests.unit.notify.builders import match_proposed, profile, withdrawal

A, B, C = "th-0105550000001", "th-0105550000002", "jp-1190000000003"


async def directory(service: Service) -> dict[str, tuple[int, str, list[str]]]:
    """Each company's kept profile version, e-mail and fields."""
    async with service.sessions() as session:
        fields: dict[str, list[str]] = {}
        for company_id, field_id in await session.execute(
            select(RecipientFieldRow.company_id, RecipientFieldRow.field_id).order_by(RecipientFieldRow.field_id)
        ):
            fields.setdefault(company_id, []).append(field_id)
        rows = await session.scalars(select(RecipientRow))
        return {row.company_id: (row.profile_version, row.email, fields.get(row.company_id, [])) for row in rows}


async def count(service: Service, table: type[WaitingRow] | type[WithdrawnRow]) -> int:
    async with service.sessions() as session:
        return len((await session.scalars(select(table))).all())


async def test_a_run_of_profiles_leaves_the_directory_as_handling_them_one_by_one_would(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    settings = notify_settings(nats_server.url, database_url, smtp=smtp)
    async with running(settings) as service:
        await from_agency(js, profile(B), "th-dip")
        await from_agency(js, withdrawal(B), "th-dip")
        await from_agency(js, profile(C, fields=("food_innovation", "robotics_automation")), "jp-mie")
        await from_service(js, match_proposed(A, C, match_id="m-run-1"), "matching")  # waits for A

        async def ready() -> bool:
            return await count(service, WaitingRow) == 1 and await count(service, WithdrawnRow) == 1

        await eventually(ready, what="B withdrawn and the proposal waiting for A")
        assert len(await wait_settled(service, 1)) == 1, "C told of the proposal"
    # Stored while the service is down: its first batch is this one run of profiles.
    await from_agency(js, profile(A, email="first@a.example", fields=("food_innovation", "digital")), "th-dip")
    await from_agency(
        js, profile(A, version=2, email="second@a.example", fields=("digital", "tourism_hospitality")), "th-dip"
    )
    await from_agency(js, profile(A, email="late@a.example"), "th-dip")  # version 1 again, arriving late
    await from_agency(js, profile(B, email="back@b.example"), "th-dip")  # registered again after leaving
    await from_agency(js, profile(C, version=2, fields=("food_innovation",)), "jp-mie")
    await from_agency(js, profile(C, version=3, fields=("food_innovation", "robotics_automation")), "jp-mie")
    async with running(settings) as service:
        rows = await wait_settled(service, 2)
        assert await directory(service) == {
            A: (2, "second@a.example", ["digital", "tourism_hospitality"]),
            B: (1, "back@b.example", ["food_innovation"]),
            C: (3, f"contact@{C}.example", ["food_innovation", "robotics_automation"]),
        }
        assert await count(service, WaitingRow) == 0
        assert await count(service, WithdrawnRow) == 0
        assert [row.address for row in await notification_rows(service)] == [f"contact@{C}.example", "second@a.example"]
    assert {row.status for row in rows} == {"sent"}
    assert len(smtp.to("second@a.example")) == 1, "the proposal that waited for A, sent to its newest address"
