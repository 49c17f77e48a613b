"""The inbox: which events a consumer has processed, so that a redelivery changes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
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


async def record(session: AsyncSession, consumer: str, envelopes: Sequence[Envelope]) -> None:
    """Note `envelopes` as processed by `consumer`, in the transaction that holds their effects (one statement)."""
    if envelopes:
        now = datetime.now(UTC)
        rows = [
            {"consumer": consumer, "event_id": envelope.id, "digest": envelope.digest, "processed_at": now}
            for envelope in envelopes
        ]
        await session.execute(insert(InboxRow), rows)


async def forget_before(session: AsyncSession, moment: datetime) -> int:
    """Drop entries older than `moment`: events that old can no longer be redelivered by their stream."""
    result = await session.execute(delete(InboxRow).where(InboxRow.processed_at < moment))
    return int(getattr(result, "rowcount", 0) or 0)
