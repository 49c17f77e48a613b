"""Notifications: staged with their cause, claimed by one dispatcher at a time, settled once, erasable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.domain.messages import Message
from services.notify.domain.routing import Delivery
from services.notify.store.tables import BULK, NotificationRow

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"


@dataclass(frozen=True, slots=True)
class Staged:
    """A notification ready to stage: its delivery and its rendered text."""

    message: Message
    delivery: Delivery
    subject: str
    body: str
    language: str


async def existing(session: AsyncSession, notification_ids: Sequence[str]) -> set[str]:
    """Which of these notifications are already staged (by an earlier event, a republished bulletin, …)."""
    if not notification_ids:
        return set()
    rows = await session.scalars(
        select(NotificationRow.notification_id).where(
            NotificationRow.notification_id.in_(sorted(set(notification_ids)))
        )
    )
    return set(rows)


async def stage(session: AsyncSession, staged: Sequence[Staged], now: datetime) -> None:
    """Add pending notifications, in one statement; the dispatcher sends them once the transaction commits.

    An INSERT of plain rows, not objects: the session need not track what it will not read again."""
    if not staged:
        return
    await session.execute(
        insert(NotificationRow),
        [
            {
                "notification_id": one.delivery.notification_id,
                "kind": one.message.kind,
                "category": one.message.category,
                "channel": one.delivery.channel,
                "company_id": one.message.company_id,
                "other_company_id": one.message.other_company_id,
                "agency": one.delivery.agency,
                "source_event_id": one.message.source.event_id,
                "source_event_type": one.message.source.event_type,
                "language": one.language,
                "address": one.delivery.address,
                "subject": one.subject,
                "body": one.body,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for one in staged
        ],
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A notification a dispatcher holds the lease of: everything needed to send it."""

    id: int
    notification_id: str
    kind: str
    category: str
    channel: str
    company_id: str | None
    agency: str | None
    source_event_id: str
    source_event_type: str
    language: str
    address: str
    subject: str
    body: str
    attempts: int


_UNSYNCHRONISED: dict[str, object] = {"synchronize_session": False}
"""For the dispatcher's statements: its sessions hold no notification objects to keep in step."""


_CLAIMED = [getattr(NotificationRow, field.name) for field in fields(Claimed)]
"""The columns a claim reads: a `Claimed` each, no ORM objects (the dispatcher's sessions need none)."""


async def claim_due(session: AsyncSession, *, now: datetime, owner: str, lease: timedelta, limit: int) -> list[Claimed]:
    """Take the lease of up to `limit` pending notifications that are due and not leased by anyone.

    On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets replicas claim side by side without waiting on, or
    taking, each other's rows; SQLite's write lock (`BEGIN IMMEDIATE`) serialises the claims.
    """
    query = (
        select(*_CLAIMED)
        .where(
            NotificationRow.status == PENDING,
            NotificationRow.next_attempt_at <= now,
            or_(NotificationRow.claimed_until.is_(None), NotificationRow.claimed_until < now),
        )
        .order_by(NotificationRow.next_attempt_at, NotificationRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = (await session.execute(query)).all()
    if rows:
        await session.execute(
            update(NotificationRow)
            .where(NotificationRow.id.in_([row.id for row in rows]))
            .values(claimed_until=now + lease, claimed_by=owner),
            execution_options=_UNSYNCHRONISED,
        )
    # Erased while pending: nothing to send (erasure cancels such rows; this is a guard).
    return [Claimed(**row._mapping) for row in rows if None not in (row.address, row.subject, row.body)]


async def _settle(session: AsyncSession, claimed: Claimed, owner: str, **values: object) -> bool:
    result = await session.execute(
        update(NotificationRow)
        .where(NotificationRow.id == claimed.id, NotificationRow.claimed_by == owner)
        .values(claimed_until=None, claimed_by=None, **values),
        execution_options=BULK,
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_sent(session: AsyncSession, claimed: Sequence[Claimed], *, owner: str, now: datetime) -> set[int]:
    """Record the sends in one statement; return the ids recorded, without those whose lease was lost
    meanwhile (another replica then owns the row)."""
    if not claimed:
        return set()
    result = await session.execute(
        update(NotificationRow)
        .where(
            NotificationRow.id.in_([notification.id for notification in claimed]), NotificationRow.claimed_by == owner
        )
        .values(
            status=SENT,
            attempts=NotificationRow.attempts + 1,  # as claimed: no one else changes a row under our lease
            sent_at=now,
            claimed_until=None,
            claimed_by=None,
        )
        .returning(NotificationRow.id),
        execution_options=_UNSYNCHRONISED,
    )
    return set(result.scalars())


async def retry_later(session: AsyncSession, claimed: Claimed, *, owner: str, at: datetime, error: str) -> bool:
    return await _settle(
        session, claimed, owner, attempts=claimed.attempts + 1, next_attempt_at=at, last_error=error[:2000]
    )


async def mark_failed(session: AsyncSession, claimed: Claimed, *, owner: str, now: datetime, error: str) -> bool:
    return await _settle(
        session, claimed, owner, status=FAILED, attempts=claimed.attempts + 1, failed_at=now, last_error=error[:2000]
    )


async def release(session: AsyncSession, claimed: Claimed, *, owner: str) -> bool:
    """Give a claimed notification back unsent (the dispatcher is stopping): the next one takes it at once."""
    return await _settle(session, claimed, owner)


async def send_again(session: AsyncSession, notification_id: str, now: datetime) -> bool:
    """An operator replayed a failed notification: it is sent again, with a fresh set of attempts.

    Only a failed one: a notification already sent (or erased, or cancelled) is not sent twice.
    """
    result = await session.execute(
        update(NotificationRow)
        .where(
            NotificationRow.notification_id == notification_id,
            NotificationRow.status == FAILED,
            NotificationRow.erased_at.is_(None),
        )
        .values(status=PENDING, attempts=0, next_attempt_at=now, failed_at=None, claimed_until=None, claimed_by=None),
        execution_options=BULK,
    )
    return bool(getattr(result, "rowcount", 0))


async def readdress(session: AsyncSession, *, company_id: str, channel: str, address: str | None) -> None:
    """A changed contact: pending notifications go to the new address, or are cancelled if there is none."""
    pending = (
        NotificationRow.company_id == company_id,
        NotificationRow.channel == channel,
        NotificationRow.status == PENDING,
    )
    if address is None:
        await session.execute(update(NotificationRow).where(*pending).values(status=CANCELLED), execution_options=BULK)
    else:
        await session.execute(update(NotificationRow).where(*pending).values(address=address), execution_options=BULK)


async def readdress_webhook(session: AsyncSession, agency: str, url: str | None) -> None:
    """A moved or removed webhook: its pending deliveries follow it, or are cancelled."""
    pending = (
        NotificationRow.agency == agency,
        NotificationRow.channel == "webhook",
        NotificationRow.status == PENDING,
    )
    values: dict[str, object] = {"status": CANCELLED} if url is None else {"address": url}
    await session.execute(update(NotificationRow).where(*pending).values(**values), execution_options=BULK)


async def erase_company(session: AsyncSession, company_id: str, now: datetime) -> int:
    """Erase the personal data of every notification to or about the company; cancel those not yet sent.

    Kept: ids, kind, channel, status and times, an anonymous record that a notification existed.
    """
    concerned = or_(NotificationRow.company_id == company_id, NotificationRow.other_company_id == company_id)
    await session.execute(
        update(NotificationRow).where(concerned, NotificationRow.status == PENDING).values(status=CANCELLED),
        execution_options=BULK,
    )
    result = await session.execute(
        update(NotificationRow)
        .where(concerned)
        .values(
            company_id=None,
            other_company_id=None,
            address=None,
            subject=None,
            body=None,
            last_error=None,
            erased_at=now,
        ),
        execution_options=BULK,
    )
    return int(getattr(result, "rowcount", 0) or 0)
