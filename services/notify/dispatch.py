"""The dispatcher: claims due notifications, sends each on its channel, records the outcome once.

Exactly once, as far as the channels allow: a row is claimed under a lease before sending (one
replica at a time, `FOR UPDATE SKIP LOCKED` on PostgreSQL; a send not begun within half the lease
is given back rather than risk outliving it), and its outcome is recorded as soon as the send
completes (those completing together in one transaction, the sends in one statement), with
`NotificationSent` or `NotificationFailed` in that transaction (outbox).
The only window for a repeat is a crash between a channel's acceptance and that record: the row
is then sent again after its lease, and each channel is given what it needs to recognise the
repeat: the same `X-Line-Retry-Key` (LINE answers 409 and we count it as sent), the same
`Kakehashi-Notification-Id` for webhook receivers, the same `Message-ID` for e-mail.

A failure that may pass is tried again later, on a doubling schedule kept in the database (it
survives restarts and holds no worker). A permanent failure, or the last attempt, marks the row
failed, emits `NotificationFailed` and puts a dead letter in the DLQ whose replay sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import cast

from tenacity import AsyncRetrying, stop_after_delay, wait_exponential_jitter

from services.notify.channels import Sender, SendFailure
from services.notify.domain.schedule import RetryPolicy
from services.notify.store import notifications
from services.notify.store.notifications import Claimed
from shared.contracts.agency.notify import Category
from shared.contracts.notify import Channel, NotificationFailed, NotificationRetryRequested, NotificationSent
from shared.contracts.subjects import service_source
from shared.messaging import dlq
from shared.messaging.envelope import NATS_MSG_ID, OutgoingMessage, encode
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service

log = logging.getLogger(__name__)

RETRIES_CONSUMER = "notify-retries"
"""The consumer a failed notification's dead letter is replayed to (the service's `retries` subscription)."""
_RECORD_TOGETHER, _RECORD_WAIT = 64, 0.05
"""Outcomes recorded in one transaction: as many as completed, and once the first has, up to 64 more within
50 ms. Each transaction is a commit (an fsync on SQLite) and a relay of its `NotificationSent` events; one
per handful of sends made recording, not sending, the dispatcher's pace."""
_BATCHES_UNDER_WAY = 2
"""A batch is claimed once the previous one's sends have all begun, while they complete and are recorded;
not more than one beyond that, so that a recording held up (the database away) stops the claiming."""


@dataclasses.dataclass(frozen=True, slots=True)
class Pace:
    """How often and how much the dispatcher sends; `drain` is what a stopping service gives sends under way."""

    interval: float = 1.0
    batch: int = 200
    concurrency: int = 16
    lease: float = 120.0
    drain: float = 20.0


class Dispatcher:
    """A `background` task of the service; several replicas may run it against one database."""

    def __init__(
        self,
        senders: Callable[[], AbstractAsyncContextManager[Mapping[Channel, Sender]]],
        policy: RetryPolicy,
        pace: Pace,
    ) -> None:
        """`senders` opens the channels (HTTP client, …) for as long as the dispatcher runs."""
        self._open_senders = senders
        self._policy = policy
        self._pace = pace
        self.owner = uuid.uuid4().hex
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._slots = asyncio.Semaphore(pace.concurrency)
        """Sends in flight, across the batches under way."""
        self._under_way: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wakeup.set()

    async def dispatch(self, service: Service) -> None:
        """Run until cancelled: send what is due; when nothing more is, wait `interval` (or less when woken).

        The next batch is claimed as soon as every send of the current one has begun, so the sends
        in flight do not thin out while a batch's last ones complete, are recorded and the next is
        claimed. Stopping does not cut batches short, or rows would stay leased until their lease ran
        out (a claim committing as the signal came, sends under way): what has not begun is released
        at once, and sends under way finish and are recorded, for at most `drain` seconds.
        """
        async with self._open_senders() as senders:
            try:
                await self._dispatch_until_cancelled(service, senders)
            except asyncio.CancelledError:
                self._stopping = True
                await self._drain()
                raise

    async def _dispatch_until_cancelled(self, service: Service, senders: Mapping[Channel, Sender]) -> None:
        failures = 0
        while True:
            self._wakeup.clear()  # a commit from now on calls for another look
            try:
                claimed = await self._claim_and_begin(service, senders)
                failures = 0
            except Exception as error:  # the database may be away for a while; so may we
                # Waiting longer each time (up to a minute), woken or not: an outage is not knocked on.
                failures += 1
                pause = min(60.0, self._pace.interval * 2 ** min(failures, 10))
                log.warning("notify dispatcher: %r; trying again in %.1f s", error, pause)
                await asyncio.sleep(pause)
                continue
            if claimed < self._pace.batch:  # nothing more was due
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._pace.interval):
                        await self._wakeup.wait()

    async def _claim_and_begin(self, service: Service, senders: Mapping[Channel, Sender]) -> int:
        """Claim a batch of due notifications and return how many once each of their sends has begun.

        The claim, the sends and the recording run in a task of their own, which the dispatcher
        stopping does not cancel (`_drain` waits for it). Raises what made an earlier batch fail.
        """
        self._reap()
        while len(self._under_way) >= _BATCHES_UNDER_WAY:
            await asyncio.wait(self._under_way, return_when=asyncio.FIRST_COMPLETED)
            self._reap()
        batch = _Batch()
        work = asyncio.create_task(self._claim_and_send(service, senders, batch))
        self._under_way.add(work)
        await batch.begun.wait()
        self._reap()  # a claim that failed
        return batch.claimed

    def _reap(self) -> None:
        """Forget finished batches; raise the error of one that failed (its rows wait for their lease)."""
        done = {work for work in self._under_way if work.done()}
        self._under_way -= done
        if errors := _errors(done):
            raise errors[0]

    async def _drain(self) -> None:
        if not self._under_way:
            return
        _, late = await asyncio.wait(self._under_way, timeout=self._pace.drain)
        for work in late:
            work.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        failed = _errors(self._under_way - late)
        if late or failed:
            reason = failed or "drain timeout"
            log.warning("notify dispatcher stopped with sends unrecorded (%r); their lease frees them", reason)
        self._under_way.clear()

    async def _claim_and_send(self, service: Service, senders: Mapping[Channel, Sender], batch: _Batch) -> None:
        try:
            now = datetime.now(UTC)
            # A send begun later than this might not be recorded before the lease ends, and another
            # dispatcher would send it too: such notifications are given back for the next claim.
            begin_by = asyncio.get_running_loop().time() + self._pace.lease / 2
            async with service.transaction() as tx:
                claimed = await notifications.claim_due(
                    tx.session,
                    now=now,
                    owner=self.owner,
                    lease=timedelta(seconds=self._pace.lease),
                    limit=self._pace.batch,
                )
            batch.claimed = len(claimed)
            outcomes = _Outcomes()
            sends = asyncio.gather(
                *(self._send(senders, batch, outcomes, notification, begin_by) for notification in claimed)
            )
            await asyncio.gather(sends, self._record(service, outcomes, expected=len(claimed)))
        finally:
            batch.begun.set()

    async def _send(
        self,
        senders: Mapping[Channel, Sender],
        batch: _Batch,
        outcomes: _Outcomes,
        notification: Claimed,
        begin_by: float,
    ) -> None:
        async with self._slots:
            batch.begin()
            if self._stopping or asyncio.get_running_loop().time() > begin_by:
                outcomes.add(_Outcome(notification, released=True))
                return
            outcomes.add(_Outcome(notification, failure=await _attempt(senders, notification)))

    async def _record(self, service: Service, outcomes: _Outcomes, *, expected: int) -> None:
        """Record outcomes as sends complete, all those completed meanwhile in one transaction.

        What was sent must be recorded, or it is sent again: a database hiccup is ridden out, for
        at most half the lease, so that no other dispatcher takes the rows meanwhile.
        """
        recorded = 0
        while recorded < expected:
            group = await outcomes.take(at_least=min(_RECORD_TOGETHER, expected - recorded), within=_RECORD_WAIT)
            async for attempt in AsyncRetrying(
                wait=wait_exponential_jitter(multiplier=0.2, max=5.0),
                stop=stop_after_delay(self._pace.lease / 2),
                reraise=True,
            ):
                with attempt:
                    async with service.transaction() as tx:
                        await self._settle(tx, group)
            recorded += len(group)

    async def _settle(self, tx: Transaction, group: list[_Outcome]) -> None:
        """The sends in one statement (the usual case, and most of the work), then the others one by one."""
        now = datetime.now(UTC)
        sent = [outcome.notification for outcome in group if not outcome.released and outcome.failure is None]
        recorded = await notifications.mark_sent(tx.session, sent, owner=self.owner, now=now)
        for notification in sent:
            if notification.id in recorded:
                tx.emit(_sent(notification, now), subject_id=notification.notification_id)
        for outcome in group:
            if outcome.released or outcome.failure is not None:
                await self._settle_other(tx, outcome)

    async def _settle_other(self, tx: Transaction, outcome: _Outcome) -> None:
        notification, failure = outcome.notification, outcome.failure
        session, now, attempts = tx.session, datetime.now(UTC), notification.attempts + 1
        if failure is None:  # released: not sent
            await notifications.release(session, notification, owner=self.owner)
        elif not self._policy.gives_up(attempts, permanent=failure.permanent):
            delay = self._policy.delay(attempts) * random.uniform(0.8, 1.2)
            at = now + timedelta(seconds=delay)
            await notifications.retry_later(session, notification, owner=self.owner, at=at, error=failure.reason)
            log.info(
                "notification %s failed (%s); next try in %.0f s", notification.notification_id, failure.reason, delay
            )
        elif await notifications.mark_failed(session, notification, owner=self.owner, now=now, error=failure.reason):
            tx.emit(_failed(notification, failure.reason, now), subject_id=notification.notification_id)
            tx.stage(_dead_letter(notification, failure, attempts))
            log.warning("notification %s failed for good: %s", notification.notification_id, failure.reason)


def _errors(finished: set[asyncio.Task[None]]) -> list[BaseException]:
    """What made these finished batches fail, if anything did."""
    return [error for work in finished if not work.cancelled() and (error := work.exception()) is not None]


class _Batch:
    """A claimed batch as the dispatcher follows it: how many were claimed, and whether all sends have begun."""

    def __init__(self) -> None:
        self.claimed = 0
        self.begun = asyncio.Event()
        self._begun = 0

    def begin(self) -> None:
        self._begun += 1
        if self._begun == self.claimed:
            self.begun.set()


@dataclasses.dataclass(frozen=True, slots=True)
class _Outcome:
    notification: Claimed
    failure: SendFailure | None = None
    released: bool = False
    """Not sent: the dispatcher stopped, or half the lease had passed, before its turn came."""


class _Outcomes:
    """Outcomes of one claimed batch, handed from the sends to the recorder as they complete."""

    def __init__(self) -> None:
        self._completed: list[_Outcome] = []
        self._ready = asyncio.Event()

    def add(self, outcome: _Outcome) -> None:
        self._completed.append(outcome)
        self._ready.set()

    async def take(self, *, at_least: int, within: float) -> list[_Outcome]:
        """Every outcome completed since the last take: waiting for the first, then up to `within` seconds
        for `at_least` in all."""
        await self._ready.wait()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while len(self._completed) < at_least:
                    self._ready.clear()
                    await self._ready.wait()
        self._ready.clear()
        group, self._completed = self._completed, []
        return group


async def _attempt(senders: Mapping[Channel, Sender], notification: Claimed) -> SendFailure | None:
    sender = senders.get(cast(Channel, notification.channel))
    if sender is None:
        return SendFailure(f"the {notification.channel} channel is not configured", permanent=True)
    try:
        await sender.send(notification)
    except SendFailure as failure:
        return failure
    except Exception as error:  # a bug in a channel must not lose the notification: try again later
        log.exception("notification %s: unexpected error while sending", notification.notification_id)
        return SendFailure(f"unexpected error: {error!r}", permanent=False)
    return None


def _person(notification: Claimed) -> str | None:
    return None if notification.channel == "webhook" else notification.company_id


def _sent(notification: Claimed, now: datetime) -> NotificationSent:
    return NotificationSent(
        notification_id=notification.notification_id,
        source_event_id=notification.source_event_id,
        source_event_type=notification.source_event_type,
        company_id=_person(notification),
        channel=cast(Channel, notification.channel),
        sent_at=now,
        agency=notification.agency,
        category=cast(Category, notification.category),
    )


def _failed(notification: Claimed, reason: str, now: datetime) -> NotificationFailed:
    return NotificationFailed(
        notification_id=notification.notification_id,
        source_event_id=notification.source_event_id,
        source_event_type=notification.source_event_type,
        company_id=_person(notification),
        channel=cast(Channel, notification.channel),
        reason=reason,
        failed_at=now,
        agency=notification.agency,
        category=cast(Category, notification.category),
    )


def _dead_letter(notification: Claimed, failure: SendFailure, attempts: int) -> OutgoingMessage:
    """A DLQ entry whose replay (`kakehashi dlq replay`) asks this service to send the notification again.

    It carries no personal data (no address, no text): the DLQ outlives erasure.
    """
    request = encode(
        NotificationRetryRequested(
            notification_id=notification.notification_id,
            channel=cast(Channel, notification.channel),
            source_event_id=notification.source_event_id,
            source_event_type=notification.source_event_type,
            reason=failure.reason,
        ),
        source=service_source("notify"),
        subject_id=notification.notification_id,
    )
    letter = dlq.dead_letter(
        service="notify",
        consumer=RETRIES_CONSUMER,
        subject=request.subject,
        headers=request.headers,
        body=request.body,
        stream="NOTIFY",
        stream_sequence=notification.id,
        deliveries=attempts,
        failure=dlq.Failure("permanent" if failure.permanent else "exhausted", failure.reason),
    )
    # One entry per failure: a notification replayed and failing again gets a new entry.
    return dataclasses.replace(letter, headers={**letter.headers, NATS_MSG_ID: f"dlq:{RETRIES_CONSUMER}:{request.id}"})
