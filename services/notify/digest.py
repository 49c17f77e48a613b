"""The daily digest: the bulletins held for each company, gathered into one notification per channel."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.notify.domain import messages
from services.notify.domain.schedule import DigestClock
from services.notify.handlers.staging import Notifier
from services.notify.store import bulletins, directory
from shared.runtime.service import Service

log = logging.getLogger(__name__)

_DIGESTS = uuid.UUID("2c4e6a8b-0d1f-4a3c-9e5b-7f9d1b3d5f70")
_BATCH = 500


class Digester:
    """A `background` task: at each tick of its clock, digests everything queued by then."""

    def __init__(self, notifier: Notifier, clock: DigestClock, on_staged: Callable[[], None] = lambda: None) -> None:
        self._notifier = notifier
        self._clock = clock
        self._on_staged = on_staged

    async def digest(self, service: Service) -> None:
        while True:
            now = datetime.now(UTC)
            due = self._clock.next_run(now)
            await asyncio.sleep((due - now).total_seconds())
            try:
                staged = await self.compose(service, until=due)
            except Exception as error:  # the next tick takes what this one left
                log.warning("notify digest at %s failed: %r", due.isoformat(), error)
                continue
            if staged:
                log.info("notify digest at %s: %d notification(s)", due.isoformat(), staged)
                self._on_staged()

    async def compose(self, service: Service, *, until: datetime) -> int:
        """Digest the bulletins queued so far, as of `until` (the tick); return how many notifications were staged.

        Each batch is one transaction: the items are taken (locked, on PostgreSQL, against another
        replica's digest) and marked with the digest that holds them, together with its notifications.
        """
        staged = 0
        while True:
            async with service.transaction() as tx:
                await directory.lock_directory(tx.session)  # before the items' row locks: see lock_directory
                queued = await bulletins.take_for_digest(tx.session, limit=_BATCH)
                if not queued:
                    return staged
                for company_id, items in queued.items():
                    item_ids = [item_id for item_id, _ in items]
                    digest_id = "d-" + uuid.uuid5(_DIGESTS, f"{company_id}:{item_ids}").hex
                    message = messages.digest(company_id, digest_id, [facts for _, facts in items], until)
                    staged += await self._notifier.deliver(tx.session, [message], datetime.now(UTC))
                    await bulletins.mark_digested(tx.session, item_ids, digest_id)


async def expire_waiting(service: Service, *, after: timedelta, every: float = 3600.0) -> None:
    """Drop messages that waited longer than `after` for a recipient who never registered."""
    while True:
        async with service.transaction() as tx:
            dropped = await directory.drop_waiting_before(tx.session, datetime.now(UTC) - after)
        if dropped:
            log.warning("notify: dropped %d message(s) whose recipient never registered in %s", dropped, after)
        await asyncio.sleep(every)
