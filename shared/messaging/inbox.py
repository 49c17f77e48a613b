"""The inbox: which events a consumer has processed, so that a redelivery changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.messaging.envelope import Envelope
from shared.messaging.tables import InboxRow


async def processed(session: AsyncSession, consumer: str, event_ids: Iterable[str]) -> dict[str, str]:
    """The digests of those of `event_ids` that `consumer` has already processed."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(InboxRow.event_id, InboxRow.digest).where(InboxRow.consumer == consumer, InboxRow.event_id.in_(ids))
    )
    return dict(rows.tuples().all())


def record(session: AsyncSession, consumer: str, envelope: Envelope) -> None:
    """Note `envelope` as processed by `consumer`, in the transaction that holds its effects."""
    session.add(
        InboxRow(consumer=consumer, event_id=envelope.id, digest=envelope.digest, processed_at=datetime.now(UTC))
    )


async def forget_before(session: AsyncSession, moment: datetime) -> int:
    """Drop entries older than `moment`: events that old can no longer be redelivered by their stream."""
    result = await session.execute(delete(InboxRow).where(InboxRow.processed_at < moment))
    return int(getattr(result, "rowcount", 0) or 0)
