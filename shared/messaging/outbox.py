"""The transactional outbox: events saved with the state change, then published by a relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from nats.js import JetStreamContext
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.messaging import observe
from shared.messaging.envelope import OutgoingMessage
from shared.messaging.tables import OutboxRow

log = logging.getLogger(__name__)


def stage(session: AsyncSession, event: OutgoingMessage) -> None:
    """Add `event` to the outbox; it is published only if the session's transaction commits."""
    session.add(OutboxRow(**_row(event, datetime.now(UTC))))


async def stage_all(session: AsyncSession, events: Sequence[OutgoingMessage]) -> None:
    """Add many events in one statement (executemany): what a batch emitted, in the order it emitted them."""
    if events:
        now = datetime.now(UTC)
        await session.execute(insert(OutboxRow), [_row(event, now) for event in events])


def _row(event: OutgoingMessage, now: datetime) -> dict[str, object]:
    return {
        "event_id": event.id,
        "subject": event.subject,
        "headers": event.headers,
        "body": event.body,
        "created_at": now,
        "attempts": 0,
    }


class Relay:
    """Publishes pending outbox rows to JetStream and deletes them once the stream acknowledged them.

    Rows are claimed for `lease` seconds before publishing, so replicas sharing a PostgreSQL
    database do not publish the same rows; a relay that dies mid-way leaves its claim to expire
    and another publishes the rows again. Such a repeat carries the same `Nats-Msg-Id`, which
    JetStream drops within the stream's duplicate window (and the consumers' inbox after it).
    Publishes of a batch are pipelined: all sent, then all acknowledgements awaited.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        *,
        postgres: bool,
        service: str = "",
        batch_size: int = 500,
        poll_interval: float = 1.0,
        lease: float = 10.0,
        publish_timeout: float = 5.0,
        max_backoff: float = 10.0,
    ) -> None:
        self._sessions = sessions
        self._js = js
        self._postgres = postgres
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lease = timedelta(seconds=lease)
        self._publish_timeout = publish_timeout
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._published = observe.OUTBOX_PUBLISHED.labels(service)
        self._measured_at = 0.0
        self._pending = observe.OUTBOX_PENDING.labels(service)

    def wake(self) -> None:
        """Tell the relay that rows were committed, so it need not wait for its next poll."""
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox relay")

    async def _run(self) -> None:
        """Publish until `stop()`: at once when woken, otherwise every `poll_interval` seconds."""
        backoff = 0.0
        while not self._stopping:
            if backoff:
                await asyncio.sleep(backoff)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
            self._wakeup.clear()
            try:
                while (published := await self.publish_pending()) == self._batch_size:
                    log.debug("outbox: published a full batch of %d, continuing", published)
                backoff = 0.0
                await self._measure()
            except Exception as error:  # the relay must outlive outages of NATS and the database
                backoff = min(self._max_backoff, max(0.5, backoff * 2))
                log.warning("outbox relay: %s; retrying in %.1f s", error, backoff)

    async def stop(self, *, flush_timeout: float) -> None:
        """Let the pass under way finish, then publish what is pending, for at most `flush_timeout` seconds."""
        self._stopping = True
        self.wake()
        try:
            async with asyncio.timeout(flush_timeout):
                if self._task is not None:
                    await self._task
                while await self.publish_pending():
                    pass
        except Exception as error:
            log.warning("outbox relay stopped with events pending (%r); they are sent on the next start", error)
        finally:
            if self._task is not None:
                self._task.cancel()

    async def publish_pending(self) -> int:
        """Claim, publish and delete one batch; return how many were published. Raises if any failed."""
        rows = await self._claim()
        if not rows:
            return 0
        results = await asyncio.gather(
            *(
                self._js.publish(row.subject, row.body, timeout=self._publish_timeout, headers=row.headers)
                for row in rows
            ),
            return_exceptions=True,
        )
        sent = [row.id for row, result in zip(rows, results, strict=True) if not isinstance(result, BaseException)]
        failed = [
            (row.id, result) for row, result in zip(rows, results, strict=True) if isinstance(result, BaseException)
        ]
        await self.mark_sent(sent)
        self._published.inc(len(sent))
        if failed:
            await self._release(failed)
            raise RuntimeError(f"{len(failed)} of {len(rows)} events not acknowledged: {failed[0][1]!r}")
        return len(sent)

    async def _measure(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._measured_at >= 1.0:
            self._measured_at = now
            async with self._sessions() as session:
                self._pending.set(await pending_count(session))

    async def _claim(self) -> Sequence[OutboxRow]:
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            query = (
                select(OutboxRow)
                .where(or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now))
                .order_by(OutboxRow.id)
                .limit(self._batch_size)
            )
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.scalars(query)).all()
            if rows:
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_([row.id for row in rows]))
                    .values(claimed_until=now + self._lease)
                )
            return rows

    async def mark_sent(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(delete(OutboxRow).where(OutboxRow.id.in_(ids)))

    async def _release(self, failed: Sequence[tuple[int, BaseException]]) -> None:
        async with self._sessions() as session, session.begin():
            for row_id, error in failed:
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row_id)
                    .values(
                        claimed_until=None,
                        attempts=OutboxRow.attempts + 1,
                        last_error=repr(error)[:1000],
                    )
                )


async def pending_count(session: AsyncSession) -> int:
    """How many events wait in the outbox: the relay's lag."""
    return int(await session.scalar(select(func.count()).select_from(OutboxRow)) or 0)
