"""Bulletins as last published, and the ones waiting for each company's daily digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.domain.messages import Facts
from services.notify.store.tables import BULK, BulletinRow, DigestItemRow


async def save_bulletin(session: AsyncSession, agency: str, bulletin_id: str, facts: Facts, now: datetime) -> None:
    """Keep the newest text: a correction published before the digest goes out is what the digest shows."""
    row = await session.get(BulletinRow, (agency, bulletin_id))
    if row is None:
        session.add(BulletinRow(agency=agency, bulletin_id=bulletin_id, facts=facts, updated_at=now))
    else:
        row.facts, row.updated_at = facts, now


async def queue_for_digest(
    session: AsyncSession, company_id: str, agency: str, bulletin_id: str, now: datetime
) -> None:
    """Hold the bulletin for the company's next digest, once."""
    exists = await session.scalar(
        select(DigestItemRow.id).where(
            DigestItemRow.company_id == company_id,
            DigestItemRow.agency == agency,
            DigestItemRow.bulletin_id == bulletin_id,
        )
    )
    if exists is None:
        session.add(
            DigestItemRow(company_id=company_id, agency=agency, bulletin_id=bulletin_id, created_at=now, digest_id=None)
        )


async def take_for_digest(session: AsyncSession, *, limit: int) -> dict[str, list[tuple[int, Facts]]]:
    """Bulletins queued (committed) and not in a digest yet, by company, oldest first.

    Not those queued before the digest's time: the bulletins of one batch of events, committed together,
    are read at different moments, and a cut by time could put one in this digest, the next in another.

    Rows are locked (skipping those another replica holds) until `mark_digested` in the same
    transaction, so two replicas never put one bulletin in two digests.
    """
    query = (
        select(DigestItemRow, BulletinRow.facts)
        .join(
            BulletinRow,
            (BulletinRow.agency == DigestItemRow.agency) & (BulletinRow.bulletin_id == DigestItemRow.bulletin_id),
        )
        .where(DigestItemRow.digest_id.is_(None))
        .order_by(DigestItemRow.company_id, DigestItemRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=DigestItemRow, skip_locked=True)
    by_company: dict[str, list[tuple[int, Facts]]] = {}
    for item, facts in (await session.execute(query)).tuples():
        by_company.setdefault(item.company_id, []).append((item.id, dict(facts)))
    return by_company


async def mark_digested(session: AsyncSession, item_ids: Sequence[int], digest_id: str) -> None:
    await session.execute(
        update(DigestItemRow).where(DigestItemRow.id.in_(list(item_ids))).values(digest_id=digest_id),
        execution_options=BULK,
    )


async def forget_company(session: AsyncSession, company_id: str) -> None:
    await session.execute(delete(DigestItemRow).where(DigestItemRow.company_id == company_id), execution_options=BULK)
