"""Running the notify service in a test: its settings, publishing as the agencies and services do, its rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import select

from services.notify.app import build
from services.notify.config import NotifySettings
from services.notify.domain.messages import Message, Source
from services.notify.domain.routing import Delivery
from services.notify.store import notifications
from services.notify.store.notifications import Staged
from services.notify.store.tables import NotificationRow
from shared.contracts.base import Contract
from shared.contracts.subjects import agency_source, service_source
from shared.messaging.envelope import OutgoingMessage, encode
from shared.messaging.publisher import publish
from shared.runtime.service import Service
from tests.integration.notify.servers import LineApi, SmtpSink
from tests.support.probe import eventually

LINE_TOKEN = "line-channel-token-for-tests"
WEBHOOK_SECRET = "whsec-th-dip-for-tests"


def notify_settings(
    nats_url: str,
    database_url: str,
    *,
    smtp: SmtpSink | None = None,
    line: LineApi | None = None,
    **overrides: Any,
) -> NotifySettings:
    """Settings for a test: fast retries and polling, local servers, plain-http webhooks allowed."""
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "retry_delay": 0.05,
        "retry_max_delay": 0.5,
        "graceful_timeout": 10.0,
        "smtp_host": "127.0.0.1" if smtp else None,
        "smtp_port": smtp.port if smtp else 25,
        "smtp_security": "none",
        "smtp_timeout": 10.0,
        "mail_from": "Kakehashi <noreply@kakehashi.example>",
        "line_channel_token": LINE_TOKEN if line else None,
        "line_api_base": line.base_url if line else "https://api.line.me",
        "webhook_secrets": {"th-dip": WEBHOOK_SECRET},
        "webhook_allow_http": True,
        "http_timeout": 5.0,
        "dispatch_interval": 0.05,
        "send_retry_delay": 0.05,
        "send_retry_max_delay": 0.2,
        "digest_every": 3600.0,
    }
    values.update(overrides)
    return NotifySettings.model_validate(values)


@asynccontextmanager
async def running(settings: NotifySettings, *, asleep: bool = False) -> AsyncIterator[Service]:
    """The notify service; `asleep`, its dispatcher looks once at start and then not for an hour, and is not
    woken by commits: what the consumers stage stays pending (to measure or test sending apart)."""
    if asleep:
        settings = settings.model_copy(update={"dispatch_interval": 3600.0})
    service = build(settings)
    if asleep:
        service.after_commit = ()
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def from_agency(
    js: JetStreamContext, data: Contract, agency: str, *, event_id: str | None = None
) -> OutgoingMessage:
    """Publish as an agency's system does."""
    message = encode(data, source=agency_source(agency), agency=agency, event_id=event_id)
    await publish(js, message)
    return message


async def from_service(
    js: JetStreamContext, data: Contract, service: str, *, event_id: str | None = None
) -> OutgoingMessage:
    """Publish as the matching, events or training service does."""
    message = encode(data, source=service_source(service), event_id=event_id)
    await publish(js, message)
    return message


async def notification_rows(service: Service) -> list[NotificationRow]:
    async with service.sessions() as session:
        return list((await session.scalars(select(NotificationRow).order_by(NotificationRow.id))).all())


async def settled(service: Service, count: int) -> Callable[[], Awaitable[bool]]:
    """A check for `eventually`: `count` notifications exist and none is pending any more."""

    async def check() -> bool:
        rows = await notification_rows(service)
        return len(rows) == count and all(row.status != "pending" for row in rows)

    return check


async def wait_settled(service: Service, count: int, *, timeout: float = 30.0) -> list[NotificationRow]:
    await eventually(await settled(service, count), timeout=timeout, what=f"{count} notifications settled")
    return await notification_rows(service)


async def stage_e_mails(service: Service, count: int) -> None:
    """`count` e-mails in Thai staged in one transaction, as a batch of events stages them: the dispatcher
    finds them all at once."""
    now = datetime.now(UTC)
    staged = []
    for n in range(count):
        company = f"th-01055500{n:05d}"
        source = Source(f"e-{n}", f"e-{n}", "collab.events.registration.confirmed.v1")
        message = Message("registration_confirmed", company, source, facts={})
        delivery = Delivery(f"n-{n:032x}", "email", f"contact-{n}@siamcoastal.example", "th", "Asia/Bangkok")
        text = "เรียน คุณสมชาย\n\nการลงทะเบียนของท่านได้รับการยืนยันแล้ว\n" * 5
        staged.append(Staged(message, delivery, f"ยืนยันการลงทะเบียน {n}", text, "th"))
    async with service.transaction() as tx:
        await notifications.stage(tx.session, staged, now)
