"""How a `Consumer` handles a fetched batch in one transaction, then settles every event of it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.rejections import EventRejected, Problem
from shared.contracts.subjects import SubjectError, service_source
from shared.messaging import dlq, inbox, observe, outbox
from shared.messaging.consumer.delivery import (
    _Ack,
    _clip,
    _conflict,
    _DeadLetter,
    _Delivery,
    _exhausted,
    _failed,
    _HandlerFailed,
    _outcome_name,
    _Retry,
)
from shared.messaging.consumer.subscription import Handling, Route
from shared.messaging.consumer.turns import _TakingTurns
from shared.messaging.envelope import Event, OutgoingMessage, accept, decode, encode, header_map
from shared.messaging.errors import PermanentError
from shared.messaging.publisher import publish
from shared.messaging.tracing import child_traceparent
from shared.messaging.transaction import Transaction

log = logging.getLogger(__package__)  # one logger name for all of the consumer's records

_REJECTIONS = uuid.UUID("0d9b3f4e-5a7c-4d2b-9f61-3c2e8a1b7d40")


class _Batches(_TakingTurns):
    """The batches of a `Consumer`: read, processed, held in line (ordered subscriptions), settled.

    Built on `_TakingTurns`: a replica working on a batch of an ordered subscription keeps its turn.
    """

    service: str
    _sessions: async_sessionmaker[AsyncSession]
    _routes: dict[str, Route[Any]]
    _stop_requested: asyncio.Event
    _uncommitted: int
    _on_commit: Callable[[bool], None]
    """Called after each commit, with whether the batch staged outgoing events (for the relay)."""

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """Process one fetched batch and settle each of its events."""
        deliveries = [self._open(msg) for msg in msgs]
        pending = [delivery for delivery in deliveries if delivery.outcome is None]
        keep_alive = asyncio.create_task(self._keep_alive(msgs))
        try:
            with observe.BATCH_SECONDS.labels(self.service, self.durable).time():
                while pending:
                    await self._process(pending)
                    if not self.ordered:
                        break
                    pending = await self._hold_the_line(deliveries, pending)
                await self._settle(deliveries)
        finally:
            keep_alive.cancel()

    async def _hold_the_line(self, deliveries: list[_Delivery], pending: list[_Delivery]) -> list[_Delivery]:
        """Ordered subscriptions: what to run again, in hand, after an event failed for a reason that may pass.

        The events before it are settled now; it and the events after it are kept (unacknowledged,
        kept alive) and returned after the retry delay, unless it has used up its attempts, in which
        case it is dead-lettered and the others are returned at once. Nothing is returned when the
        consumer is stopping: `_settle` then gives the held events back to the server (first, in order).
        """
        held = [delivery for delivery in pending if isinstance(delivery.outcome, _Retry)]
        if not held or self._stopping:
            return []
        head = held[0]
        assert isinstance(head.outcome, _Retry)
        if head.attempts >= self._policy.max_deliver:
            head.outcome = _exhausted(head.attempts, head.outcome.error)
            return held[1:]
        await self._settle([delivery for delivery in deliveries if delivery not in held])
        observe.EVENTS.labels(self.service, self.durable, "retried").inc()  # its attempt; those behind it wait
        log.info(
            "%s: seq %d failed (attempt %d), retrying it and the %d events behind it: %r",
            self.durable,
            head.stream_sequence,
            head.attempts,
            len(held) - 1,
            head.outcome.error,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_requested.wait(), self._policy.delay(head.attempts))
        if self._stopping:
            return []
        head.attempts += 1
        return held

    async def _keep_alive(self, msgs: Sequence[Msg]) -> None:
        """While a batch is being worked on, tell the server so, lest it redeliver it elsewhere."""
        period = self._policy.ack_wait / 3
        if self.ordered:
            period = min(period, self._policy.turn_renewal)
        while True:
            await asyncio.sleep(period)
            for msg in msgs:
                if not msg._ackd:
                    with contextlib.suppress(nats.errors.Error):
                        await msg.in_progress()
            if self.ordered:
                with contextlib.suppress(nats.errors.Error):
                    await self._renew_turn()

    def _open(self, msg: Msg) -> _Delivery:
        metadata = msg.metadata
        # A replay comes on its own subject, which only this consumer reads and no agency may publish to;
        # headers decide nothing (an agency may send any it likes).
        replay = dlq.replayed(msg.subject)
        subject = msg.subject if replay is None else replay[1]
        delivery = _Delivery(msg, metadata.num_delivered, metadata.sequence.stream, subject=subject)
        if delivery.deliveries > self._policy.max_deliver:
            delivery.outcome = _DeadLetter(
                dlq.Failure(
                    "exhausted",
                    f"Not settled after {self._policy.max_deliver} deliveries: the process handling it "
                    "stopped, or the handler ran longer than the ack wait.",
                )
            )
        else:
            try:
                envelope = decode(subject, msg.headers, msg.data, max_bytes=self._policy.max_event_bytes)
                route = self._routes.get(envelope.type)
                if route is None:
                    raise PermanentError(
                        f"Events of type {envelope.type} are not handled here.",
                        [Problem(field="ce-type", problem=f"expected one of {', '.join(sorted(self._routes))}")],
                    )
                delivery.envelope, delivery.route = envelope, route
                delivery.event = accept(envelope, route.contract)
            except PermanentError as error:
                delivery.outcome = _DeadLetter(dlq.Failure("permanent", error.reason, error.problems))
            except Exception as error:  # a bug in reading this event: retry it alone, not the whole batch
                log.exception("%s: seq %d could not be read", self.durable, delivery.stream_sequence)
                delivery.outcome = _Retry(error)
        return delivery

    async def _process(self, pending: list[_Delivery]) -> None:
        try:
            try:
                await self._commit(pending, isolate=False)
            except _HandlerFailed as failed:
                # Run the batch again with a savepoint per event, so one failing event does
                # not hold back (or use up the deliveries of) the others. The event that
                # failed keeps its outcome rather than running a second time.
                await self._commit(pending, isolate=True, failed=failed)
        except Exception as error:  # the transaction itself failed: database down, conflict, …
            self._uncommitted += 1
            log.warning("%s: batch of %d not committed: %r", self.durable, len(pending), error)
            for position, delivery in enumerate(pending):
                delivery.outcome = _Retry(error, held=self.ordered and position > 0)
            return
        self._uncommitted = 0
        self._on_commit(any(delivery.work and delivery.work.emitted for delivery in pending))

    async def _commit(self, pending: list[_Delivery], *, isolate: bool, failed: _HandlerFailed | None = None) -> None:
        for delivery in pending:
            delivery.outcome, delivery.work = None, None
        blocked: _Retry | None = None
        """In an ordered subscription, the failure that stops the events after it from running."""
        run: list[_Delivery] = []
        """Consecutive events of a route with a run handler, handed to it together (unless isolating)."""
        async with self._sessions() as session, session.begin():
            seen = await inbox.processed(session, self.durable, (d.envelope.id for d in pending if d.envelope))
            for delivery in pending:
                envelope, event, route = delivery.envelope, delivery.event, delivery.route
                assert envelope is not None
                assert event is not None
                assert route is not None
                if blocked is not None:
                    delivery.outcome = _Retry(blocked.error, held=True)
                    continue
                if (digest := seen.get(envelope.id)) is not None:
                    delivery.outcome = _Ack("duplicate") if digest == envelope.digest else _conflict(envelope)
                    continue
                if run and route is not run[0].route:
                    await self._call_run(run)
                    run = []
                tx = Transaction(session, self.service, envelope.traceparent)
                if route.run is not None and not isolate:
                    # Counted as done now: if the run's handler fails, the whole batch is run again isolated.
                    seen[envelope.id] = envelope.digest
                    delivery.outcome, delivery.work = _Ack(), tx
                    run.append(delivery)
                    continue
                if failed is not None and failed.delivery is delivery:
                    delivery.outcome = _failed(failed.error)
                elif isolate:
                    try:
                        async with session.begin_nested():
                            await self._call(route, event, tx)
                    except Exception as error:
                        delivery.outcome = _failed(error)
                else:
                    try:
                        await self._call(route, event, tx)
                    except Exception as error:
                        raise _HandlerFailed(delivery, error) from error
                if delivery.outcome is not None:
                    if self.ordered and isinstance(delivery.outcome, _Retry):
                        blocked = delivery.outcome
                    continue
                seen[envelope.id] = envelope.digest
                delivery.outcome, delivery.work = _Ack(), tx
            if run:
                await self._call_run(run)
            # What the batch did, written in two statements rather than two per event.
            done = [delivery for delivery in pending if delivery.work is not None]
            await outbox.stage_all(session, [message for d in done if d.work for message in d.work.emitted])
            await inbox.record(session, self.durable, [d.envelope for d in done if d.envelope])

    async def _call_run(self, run: list[_Delivery]) -> None:
        """Hand a run of events to their route's run handler; any failure fails the batch (`_HandlerFailed`)."""
        route = run[0].route
        assert route is not None
        assert route.run is not None
        items = [Handling(delivery.event, delivery.work) for delivery in run if delivery.event and delivery.work]
        if len(items) == 1:
            try:
                await self._call(route, items[0].event, items[0].tx)
            except Exception as error:
                raise _HandlerFailed(run[0], error) from error
            return
        started = time.perf_counter()
        try:
            with observe.handling_run(
                [(item.event.id, item.event.nats_subject, item.event.traceparent) for item in items],
                event_type=items[0].event.type,
                consumer=self.durable,
            ):
                await route.run(items)
        except Exception as error:
            raise _HandlerFailed(None, error) from error  # which event failed is found by running them isolated
        share = (time.perf_counter() - started) / len(items)
        timing = observe.HANDLER_SECONDS.labels(self.service, self.durable, items[0].event.type)
        for _ in items:
            timing.observe(share)

    async def _call(self, route: Route[Any], event: Event[Any], tx: Transaction) -> None:
        with (
            observe.handling(
                event_id=event.id,
                event_type=event.type,
                subject=event.nats_subject,
                consumer=self.durable,
                traceparent=event.traceparent,
            ),
            observe.HANDLER_SECONDS.labels(self.service, self.durable, event.type).time(),
        ):
            await route.handle(event, tx)

    async def _settle(self, deliveries: list[_Delivery]) -> None:
        """Acknowledge, dead-letter or give back each event not settled yet.

        In an ordered subscription, events given back go first and without delay (the consumer
        already waited, or is stopping): the server redelivers them, in order, before anything newer.
        """
        deliveries = [delivery for delivery in deliveries if not delivery.settled]
        for delivery in deliveries:
            outcome = delivery.outcome
            if isinstance(outcome, _Retry) and not outcome.held and delivery.attempts >= self._policy.max_deliver:
                delivery.outcome = _exhausted(delivery.attempts, outcome.error)
        dead = [delivery for delivery in deliveries if isinstance(delivery.outcome, _DeadLetter)]
        results = await asyncio.gather(*(self._dead_letter(delivery) for delivery in dead), return_exceptions=True)
        for delivery, result in zip(dead, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("%s: could not dead-letter seq %d: %r", self.durable, delivery.stream_sequence, result)
                delivery.outcome = _Retry(result)
        ordered = self.ordered
        if ordered:
            deliveries.sort(key=lambda delivery: not isinstance(delivery.outcome, _Retry))
        for delivery in deliveries:
            outcome = delivery.outcome
            observe.EVENTS.labels(self.service, self.durable, _outcome_name(outcome)).inc()
            delivery.settled = True
            if isinstance(outcome, _Ack):
                await delivery.msg.ack()
            elif isinstance(outcome, _DeadLetter):
                await delivery.msg.term()
            else:
                assert isinstance(outcome, _Retry)
                log.info(
                    "%s: seq %d failed (delivery %d), retrying: %r",
                    self.durable,
                    delivery.stream_sequence,
                    delivery.deliveries,
                    outcome.error,
                )
                await delivery.msg.nak(delay=None if ordered else self._policy.delay(delivery.deliveries))

    async def _dead_letter(self, delivery: _Delivery) -> None:
        assert isinstance(delivery.outcome, _DeadLetter)
        failure = delivery.outcome.failure
        msg = delivery.msg
        letter = dlq.dead_letter(
            service=self.service,
            consumer=self.durable,
            subject=delivery.subject,
            headers=msg.headers,
            body=msg.data,
            stream=self.stream,
            stream_sequence=delivery.stream_sequence,
            deliveries=delivery.attempts,
            failure=failure,
        )
        await publish(self._js, letter, give_up_after=10.0)
        log.warning(
            "%s: seq %d (%s) dead-lettered: %s",
            self.durable,
            delivery.stream_sequence,
            header_map(msg.headers).get("ce-id", "no id"),
            failure.reason,
        )
        parts = delivery.subject.split(".")
        if failure.kind == "permanent" and parts[:2] == ["collab", "in"]:
            try:
                rejection = self._rejection(delivery, failure, agency=parts[2])
            except SubjectError:  # no `collab.out.<agency>` to write to: the DLQ entry is all there is
                log.warning(
                    "%s: seq %d came on %s, which names no agency to tell",
                    self.durable,
                    delivery.stream_sequence,
                    delivery.subject,
                )
            else:
                await publish(self._js, rejection, give_up_after=10.0)

    def _rejection(self, delivery: _Delivery, failure: dlq.Failure, *, agency: str) -> OutgoingMessage:
        names = header_map(delivery.msg.headers)
        event_id = _clip(names.get("ce-id"))
        notice = EventRejected(
            event_id=event_id,
            event_type=_clip(names.get("ce-type")),
            nats_subject=delivery.subject,
            stream_sequence=delivery.stream_sequence,
            reason=failure.reason,
            problems=failure.problems,
            rejected_by=self.service,
            rejected_at=datetime.now(UTC),
        )
        # The same id from every service that refuses this stored event: the agency hears once.
        notice_id = uuid.uuid5(_REJECTIONS, f"{self.stream}:{delivery.stream_sequence}")
        return encode(
            notice,
            source=service_source(self.service),
            agency=agency,
            subject_id=event_id,
            event_id=str(notice_id),
            traceparent=child_traceparent(names.get("traceparent")),
        )
