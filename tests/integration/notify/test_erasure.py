"""`profile_withdrawn` erases the company's personal data here: directory rows and notifications, sent or not."""

from __future__ import annotations

from nats.js import JetStreamContext
from sqlalchemy import func, select

from services.notify.store.tables import (
    DigestItemRow,
    NotificationRow,
    PreferencesRow,
    RecipientFieldRow,
    RecipientRow,
    WaitingRow,
    WithdrawnRow,
)
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
from tests.unit.notify.builders import (
    JAPANESE,
    THAI,
    bulletin,
    match_confirmed,
    preferences,
    profile,
    registration_confirmed,
    skill_record_updated,
    withdrawal,
)

OTHER_THAI = "th-0105557777777"


async def rows_of(service: Service, company_id: str) -> dict[str, int]:
    """How many rows of each directory table still name the company."""
    counts = {}
    async with service.sessions() as session:
        for table in (RecipientRow, RecipientFieldRow, PreferencesRow, WaitingRow, DigestItemRow):
            query = select(func.count()).select_from(table).where(table.company_id == company_id)
            counts[table.__tablename__] = int(await session.scalar(query) or 0)
    return counts


async def test_a_withdrawal_erases_the_directory_and_every_notification_to_or_about_the_company(
    nats_server: Broker, js: JetStreamContext, database_url: str, smtp: SmtpSink
) -> None:
    # The SMTP server will be down for a while: retries stay pending for the whole test.
    settings = notify_settings(
        nats_server.url, database_url, smtp=smtp, send_retry_delay=0.5, send_retry_max_delay=0.5, send_attempts=50
    )
    async with running(settings) as service:
        await from_agency(js, profile(THAI, email="somchai@siamcoastal.example", line_id="U-somchai"), "th-dip")
        await from_agency(js, profile(JAPANESE, email="tanaka@mie-reito.example"), "jp-mie")
        await from_agency(js, profile(OTHER_THAI, email="other@example.co.th"), "th-dip")
        await from_agency(js, preferences(THAI, bulletins="daily_digest"), "th-dip")
        await from_agency(js, bulletin("fi-1"), "jp-mie")
        await from_service(js, match_confirmed(THAI, JAPANESE), "matching")
        await wait_settled(service, 4)  # the introduction both ways; the bulletin to the two other companies
        smtp.fail_next = 1000  # the mail server goes down: what follows stays pending
        await from_service(js, registration_confirmed(THAI), "events")
        await from_service(js, skill_record_updated(OTHER_THAI), "training")

        async def six() -> bool:
            return len(await notification_rows(service)) == 6

        await eventually(six, what="two more notifications staged")
        assert (await rows_of(service, THAI))["notify_digest_items"] == 1

        await from_agency(js, withdrawal(THAI), "th-dip")

        async def erased() -> bool:
            return sum((await rows_of(service, THAI)).values()) == 0

        await eventually(erased, what="the Thai company erased from the directory")
        rows = {row.kind + ":" + (row.language): row for row in await notification_rows(service)}
        async with service.sessions() as session:
            withdrawn = await session.get(WithdrawnRow, THAI)
            mentions = await session.scalar(
                select(func.count())
                .select_from(NotificationRow)
                .where((NotificationRow.company_id == THAI) | (NotificationRow.other_company_id == THAI))
            )

    assert withdrawn is not None, "late news about it is dropped, not kept waiting"
    assert mentions == 0
    to_thai, to_japanese = rows["match_confirmed:th"], rows["match_confirmed:ja"]
    pending_for_thai, other = rows["registration_confirmed:th"], rows["skill_record_updated:th"]
    for erased_row in (to_thai, to_japanese, pending_for_thai):
        assert erased_row.erased_at is not None
        assert (erased_row.address, erased_row.subject, erased_row.body) == (None, None, None)
        assert erased_row.company_id is None
        assert erased_row.other_company_id is None
    assert (to_thai.status, to_japanese.status) == ("sent", "sent"), "what was sent stays sent, anonymously"
    assert pending_for_thai.status == "cancelled", "never sent after the withdrawal"
    assert to_japanese.notification_id
    assert to_japanese.kind == "match_confirmed"
    assert (other.status, other.company_id, other.address) == ("pending", OTHER_THAI, "other@example.co.th")
    assert rows["bulletin:th"].company_id == OTHER_THAI, "another company's notification is untouched"
