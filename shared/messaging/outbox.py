"""The transactional outbox: events saved with the state change, then published by a relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from nats.aio.client import Client
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.messaging import batches, observe
from shared.messaging.envelope import OutgoingMessage
from shared.messaging.streams import stream_for
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

    The rows of a claim bound for one stream go as one atomic batch (`batches`), in order: one
    write to the stream instead of one per event. A batch the stream refuses (it holds one of the
    rows already, after a relay died before deleting them; or the stream does not allow atomic
    batches) is published again one event at a time, pipelined, so that duplicates are dropped.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: Client,
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
        self._client = client
        self._js = client.jetstream()
        self._refused: set[str] = set()
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
        by_stream: dict[str, list[OutboxRow]] = {}
        for row in rows:
            by_stream.setdefault(stream_for(row.subject), []).append(row)
        failures = await asyncio.gather(*(self._publish_in_order(stream, group) for stream, group in by_stream.items()))
        failed = [(row.id, error) for failure in failures for row, error in failure]
        unsent = {row_id for row_id, _ in failed}
        sent = [row.id for row in rows if row.id not in unsent]
        await self.mark_sent(sent)
        self._published.inc(len(sent))
        if failed:
            await self._release(failed)
            raise RuntimeError(f"{len(failed)} of {len(rows)} events not acknowledged: {failed[0][1]!r}")
        return len(sent)

    async def _publish_in_order(self, stream: str, rows: Sequence[OutboxRow]) -> list[tuple[OutboxRow, BaseException]]:
        """Publish the rows of one stream in atomic batches; after a failure, the rest wait (order)."""
        for start in range(0, len(rows), batches.LIMIT):
            chunk = rows[start : start + batches.LIMIT]
            failed: list[tuple[OutboxRow, BaseException]] = []
            try:
                messages = [batches.Outgoing(row.subject, row.body, row.headers) for row in chunk]
                await batches.publish_atomic(self._client, messages, timeout=self._publish_timeout)
            except batches.BatchRefused as refusal:
                self._note(stream, refusal)
                failed = await self._publish_each(chunk)
            except Exception as error:
                failed = [(row, error) for row in chunk]
            if failed:
                return failed + [(row, failed[0][1]) for row in rows[start + len(chunk) :]]
        return []

    async def _publish_each(self, rows: Sequence[OutboxRow]) -> list[tuple[OutboxRow, BaseException]]:
        """One publish per row, all sent before any acknowledgement is awaited; return those that failed."""
        results = await asyncio.gather(
            *(
                self._js.publish(row.subject, row.body, timeout=self._publish_timeout, headers=row.headers)
                for row in rows
            ),
            return_exceptions=True,
        )
        return [(row, result) for row, result in zip(rows, results, strict=True) if isinstance(result, BaseException)]

    def _note(self, stream: str, refusal: batches.BatchRefused) -> None:
        if refusal.code == batches.DUPLICATE:
            log.debug("outbox: %s holds some of a batch already (%s); publishing it event by event", stream, refusal)
        elif stream not in self._refused:  # an operator's setting: said once, not at every batch
            self._refused.add(stream)
            hint = " (`kakehashi streams apply --update` allows them)" if refusal.code == batches.DISABLED else ""
            log.warning("outbox: %s; publishing to %s event by event%s", refusal, stream, hint)

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
