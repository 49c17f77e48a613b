"""Durable JetStream consumers: fetch a batch, process it in one transaction, then settle every event.

Each event of a batch ends in exactly one of three ways:
- processed (or already processed, per the inbox): acknowledged after the commit;
- permanently bad (an envelope, contract or domain refusal, or the same id with other content):
  copied to the DLQ, its agency told on `collab.out.<agency>.rejected.v1`, then terminated;
- failed for a reason that may pass (database, broker, timeout, a bug): nak'ed with a growing
  delay, and dead-lettered once `max_deliver` deliveries are used up.

Why not FastStream's subscribers: measured here (nats-server 2.15.1, FastStream 0.7.8), its
batch pull subscriber holds a lone event for the whole fetch timeout (latency = timeout, or 17 %
of a core per idle consumer at a 20 ms timeout), and its per-message paths peaked at ~3,600
events/s with one commit per batch; a plain nats-py fetch loop does ~24,000/s with ~4 ms latency
and no idle cost. The loop runs on the FastStream broker's own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.base import Contract
from shared.contracts.rejections import EventRejected, Problem
from shared.contracts.subjects import SubjectError, service_source
from shared.messaging import dlq, inbox, observe, outbox
from shared.messaging.envelope import Envelope, Event, OutgoingMessage, accept, decode, encode, header_map
from shared.messaging.errors import ConflictingDuplicate, PermanentError, as_permanent, is_permanent
from shared.messaging.publisher import publish
from shared.messaging.streams import stream_for
from shared.messaging.tracing import child_traceparent
from shared.messaging.transaction import Transaction

log = logging.getLogger(__name__)

C = TypeVar("C", bound=Contract)
Handler = Callable[[Event[Any], Transaction], Awaitable[None]]
_REJECTIONS = uuid.UUID("0d9b3f4e-5a7c-4d2b-9f61-3c2e8a1b7d40")


@dataclass(frozen=True, slots=True)
class Route(Generic[C]):
    """One contract and the handler for it."""

    contract: type[C]
    handle: Callable[[Event[C], Transaction], Awaitable[None]]


def on(contract: type[C], handle: Callable[[Event[C], Transaction], Awaitable[None]]) -> Route[C]:
    """`on(ProfileSubmitted, handlers.submit_profile)`: a typed route for a subscription."""
    return Route(contract, handle)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A durable consumer `<service>-<name>` of one or more contracts, all stored in one stream.

    Events of one subscription are handled in stream order, so contracts whose order matters
    to each other (a profile and its withdrawal) belong in the same subscription.
    """

    name: str
    routes: tuple[Route[Any], ...]

    def __post_init__(self) -> None:
        if not self.routes:
            raise ValueError(f"subscription {self.name!r} has no routes")
        streams = {stream_for(route.contract.route.filter) for route in self.routes}
        if len(streams) != 1:
            raise ValueError(f"subscription {self.name!r} spans streams {sorted(streams)}; split it")
        types = [route.contract.ce_type() for route in self.routes]
        if len(set(types)) != len(types):
            raise ValueError(f"subscription {self.name!r} routes a type twice")

    @property
    def stream(self) -> str:
        return stream_for(self.routes[0].contract.route.filter)

    @property
    def filter_subjects(self) -> list[str]:
        return [route.contract.route.filter for route in self.routes]


@dataclass(frozen=True, slots=True)
class Policy:
    """How hard a consumer tries, and how much it takes at once."""

    max_deliver: int = 10
    retry_delay: float = 0.5
    retry_max_delay: float = 30.0
    fetch_batch: int = 500
    fetch_timeout: float = 0.5
    max_event_bytes: int = 256 * 1024
    ack_wait: float = 60.0

    def delay(self, deliveries: int) -> float:
        """The nak delay after the n-th failed delivery: doubling, capped, with ±20 % jitter."""
        base: float = min(self.retry_max_delay, self.retry_delay * 2.0 ** max(0, deliveries - 1))
        return base * random.uniform(0.8, 1.2)


@dataclass(frozen=True, slots=True)
class _Ack:
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Retry:
    error: BaseException


@dataclass(frozen=True, slots=True)
class _DeadLetter:
    failure: dlq.Failure


_Outcome = _Ack | _Retry | _DeadLetter


@dataclass(slots=True)
class _Delivery:
    msg: Msg
    deliveries: int
    stream_sequence: int
    envelope: Envelope | None = None
    event: Event[Any] | None = None
    route: Route[Any] | None = None
    outcome: _Outcome | None = field(default=None)
    work: Transaction | None = None
    """The handler's unit of work, when it ran and its effects are part of the batch."""


class Consumer:
    """Runs one `Subscription` of one service: the fetch loop, the batch transaction, the settling."""

    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription,
        sessions: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        policy: Policy,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.service = service
        self.subscription = subscription
        self.durable = f"{service}-{subscription.name}"
        self._sessions = sessions
        self._js = js
        self._policy = policy
        self._on_commit = on_commit
        self._routes = {route.contract.ce_type(): route for route in subscription.routes}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._uncommitted = 0
        """Batches in a row whose transaction failed (the database is away, most likely)."""

    def consumer_config(self) -> ConsumerConfig:
        filters = self.subscription.filter_subjects
        return ConsumerConfig(
            durable_name=self.durable,
            description=f"{self.service}: {', '.join(sorted(self._routes))}",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._policy.ack_wait,
            # One delivery more than we retry: an event whose handling kept killing the process
            # (or overran ack_wait) comes back once more and is dead-lettered without running.
            max_deliver=self._policy.max_deliver + 1,
            max_ack_pending=max(1000, self._policy.fetch_batch * 4),
            filter_subject=filters[0] if len(filters) == 1 else None,
            filter_subjects=filters if len(filters) > 1 else None,
        )

    async def start(self) -> None:
        """Create or update the durable consumer and start fetching."""
        await self._js.add_consumer(self.subscription.stream, self.consumer_config())
        self._pull = await self._js.pull_subscribe_bind(durable=self.durable, stream=self.subscription.stream)
        self._task = asyncio.create_task(self._run(), name=f"consumer {self.durable}")

    async def stop(self, *, timeout: float) -> None:
        """Stop fetching and let the batch in hand finish, for at most `timeout` seconds.

        A fetch under way is not cancelled: the server may already have handed it events, which a
        cancelled fetch would drop on the floor until their ack wait ran out. It returns within
        `fetch_timeout`, and whatever it brought (or its pull request brings a moment later) is
        processed before the loop ends.
        """
        self._stopping = True
        if self._task is None:
            return
        done, _ = await asyncio.wait({self._task}, timeout=timeout)
        if not done:
            self._task.cancel()
            log.warning("%s: in-flight batch abandoned after %.0f s; it will be redelivered", self.durable, timeout)
        with contextlib.suppress(nats.errors.Error):
            await self._pull.unsubscribe()

    async def _run(self) -> None:
        failures = 0
        clock = asyncio.get_running_loop().time
        fetched = clock()
        while not self._stopping:
            try:
                msgs = await self._pull.fetch(self._policy.fetch_batch, timeout=self._policy.fetch_timeout)
            except (nats.errors.TimeoutError, TimeoutError):  # nothing to fetch (nats-py raises either)
                continue
            except (nats.errors.Error, OSError) as error:  # disconnected, consumer gone, …
                failures += 1
                pause = min(5.0, 0.2 * 2**failures)
                log.warning("%s: fetch failed (%r); retrying in %.1f s", self.durable, error, pause)
                await asyncio.sleep(pause)
                if failures % 5 == 0:
                    await self._recreate()
                continue
            finally:
                fetched = clock()
            failures = 0
            try:
                await self.handle(msgs)
            except Exception:  # a bug here must not stop the loop; the events are redelivered
                log.exception("%s: batch of %d failed unexpectedly", self.durable, len(msgs))
            if self._uncommitted:
                # Each event's nak delay grows, but the jitter spreads their returns, and fetching
                # whatever comes due would knock on an absent database many times a second: the
                # consumer itself waits too, longer each time, until a batch commits again.
                await asyncio.sleep(min(5.0, 0.2 * 2**self._uncommitted))
        # The last pull request expires `fetch_timeout` after it reached the server (a little after the fetch began).
        await asyncio.sleep(max(0.0, fetched + self._policy.fetch_timeout + 0.1 - clock()))
        await self._handle_stragglers()

    async def _handle_stragglers(self) -> None:
        """Before stopping, handle the events the last pull request brought after its fetch returned.

        The server keeps a pull request open until its own expiry, counted from when the request
        reached it, and a fetch may return before that: the server goes on handing out events, which
        wait in the subscription for the next fetch (up to a whole batch of them, seen on a busy
        machine). `_run` lets the request expire; left unread, these would be redelivered only once
        their ack wait (a minute) had passed, behind later events.
        """
        subscription = self._pull._sub  # where nats-py buffers them (a fetch would ask the server for more)
        msgs = []
        while subscription.pending_msgs:
            msg = await subscription.next_msg(timeout=1.0)
            if not JetStreamContext.is_status_msg(msg):  # not a request's "408 Request Timeout" and the like
                msgs.append(msg)
        if not msgs:
            return
        log.info("%s: %d events came after the last fetch; handling them before stopping", self.durable, len(msgs))
        try:
            await self.handle(msgs)
        except Exception:
            log.exception("%s: batch of %d failed unexpectedly", self.durable, len(msgs))

    async def _recreate(self) -> None:
        try:
            await self._js.add_consumer(self.subscription.stream, self.consumer_config())
        except Exception as error:
            log.warning("%s: could not re-create the consumer: %r", self.durable, error)

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """Process one fetched batch and settle each of its events."""
        deliveries = [self._open(msg) for msg in msgs]
        pending = [delivery for delivery in deliveries if delivery.outcome is None]
        keep_alive = asyncio.create_task(self._keep_alive(msgs))
        try:
            with observe.BATCH_SECONDS.labels(self.service, self.durable).time():
                if pending:
                    await self._process(pending)
                await self._settle(deliveries)
        finally:
            keep_alive.cancel()

    async def _keep_alive(self, msgs: Sequence[Msg]) -> None:
        """While a batch is being worked on, tell the server so, lest it redeliver it elsewhere."""
        while True:
            await asyncio.sleep(self._policy.ack_wait / 3)
            for msg in msgs:
                if not msg._ackd:
                    with contextlib.suppress(nats.errors.Error):
                        await msg.in_progress()

    def _open(self, msg: Msg) -> _Delivery:
        metadata = msg.metadata
        delivery = _Delivery(msg, metadata.num_delivered, metadata.sequence.stream)
        replay_for = header_map(msg.headers).get(dlq.REPLAY_FOR.lower())
        if replay_for is not None and replay_for != self.durable:
            delivery.outcome = _Ack(f"replayed for {replay_for}")
        elif delivery.deliveries > self._policy.max_deliver:
            delivery.outcome = _DeadLetter(
                dlq.Failure(
                    "exhausted",
                    f"Not settled after {self._policy.max_deliver} deliveries: the process handling it "
                    "stopped, or the handler ran longer than the ack wait.",
                )
            )
        else:
            try:
                envelope = decode(msg.subject, msg.headers, msg.data, max_bytes=self._policy.max_event_bytes)
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
            for delivery in pending:
                delivery.outcome = _Retry(error)
            return
        self._uncommitted = 0
        self._on_commit()

    async def _commit(self, pending: list[_Delivery], *, isolate: bool, failed: _HandlerFailed | None = None) -> None:
        for delivery in pending:
            delivery.outcome, delivery.work = None, None
        async with self._sessions() as session, session.begin():
            seen = await inbox.processed(session, self.durable, (d.envelope.id for d in pending if d.envelope))
            for delivery in pending:
                envelope, event, route = delivery.envelope, delivery.event, delivery.route
                assert envelope is not None
                assert event is not None
                assert route is not None
                if (digest := seen.get(envelope.id)) is not None:
                    delivery.outcome = _Ack("duplicate") if digest == envelope.digest else _conflict(envelope)
                    continue
                tx = Transaction(session, self.service, envelope.traceparent)
                if failed is not None and failed.delivery is delivery:
                    delivery.outcome = _failed(failed.error)
                    continue
                if isolate:
                    try:
                        async with session.begin_nested():
                            await self._call(route, event, tx)
                    except Exception as error:
                        delivery.outcome = _failed(error)
                        continue
                else:
                    try:
                        await self._call(route, event, tx)
                    except Exception as error:
                        raise _HandlerFailed(delivery, error) from error
                seen[envelope.id] = envelope.digest
                delivery.outcome, delivery.work = _Ack(), tx
            # What the batch did, written in two statements rather than two per event.
            done = [delivery for delivery in pending if delivery.work is not None]
            await outbox.stage_all(session, [message for d in done if d.work for message in d.work.emitted])
            await inbox.record(session, self.durable, [d.envelope for d in done if d.envelope])

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
        for delivery in deliveries:
            if isinstance(delivery.outcome, _Retry) and delivery.deliveries >= self._policy.max_deliver:
                delivery.outcome = _DeadLetter(
                    dlq.Failure(
                        "exhausted",
                        f"Still failing after {delivery.deliveries} deliveries: {delivery.outcome.error!r}",
                    )
                )
        dead = [delivery for delivery in deliveries if isinstance(delivery.outcome, _DeadLetter)]
        results = await asyncio.gather(*(self._dead_letter(delivery) for delivery in dead), return_exceptions=True)
        for delivery, result in zip(dead, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("%s: could not dead-letter seq %d: %r", self.durable, delivery.stream_sequence, result)
                delivery.outcome = _Retry(result)
        for delivery in deliveries:
            outcome = delivery.outcome
            observe.EVENTS.labels(self.service, self.durable, _outcome_name(outcome)).inc()
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
                await delivery.msg.nak(delay=self._policy.delay(delivery.deliveries))

    async def _dead_letter(self, delivery: _Delivery) -> None:
        assert isinstance(delivery.outcome, _DeadLetter)
        failure = delivery.outcome.failure
        msg = delivery.msg
        letter = dlq.dead_letter(
            service=self.service,
            consumer=self.durable,
            subject=msg.subject,
            headers=msg.headers,
            body=msg.data,
            stream=self.subscription.stream,
            stream_sequence=delivery.stream_sequence,
            deliveries=delivery.deliveries,
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
        parts = msg.subject.split(".")
        if failure.kind == "permanent" and parts[:2] == ["collab", "in"]:
            try:
                rejection = self._rejection(delivery, failure, agency=parts[2])
            except SubjectError:  # no `collab.out.<agency>` to write to: the DLQ entry is all there is
                log.warning(
                    "%s: seq %d came on %s, which names no agency to tell",
                    self.durable,
                    delivery.stream_sequence,
                    msg.subject,
                )
            else:
                await publish(self._js, rejection, give_up_after=10.0)

    def _rejection(self, delivery: _Delivery, failure: dlq.Failure, *, agency: str) -> OutgoingMessage:
        names = header_map(delivery.msg.headers)
        event_id = _clip(names.get("ce-id"))
        notice = EventRejected(
            event_id=event_id,
            event_type=_clip(names.get("ce-type")),
            nats_subject=delivery.msg.subject,
            stream_sequence=delivery.stream_sequence,
            reason=failure.reason,
            problems=failure.problems,
            rejected_by=self.service,
            rejected_at=datetime.now(UTC),
        )
        # The same id from every service that refuses this stored event: the agency hears once.
        notice_id = uuid.uuid5(_REJECTIONS, f"{self.subscription.stream}:{delivery.stream_sequence}")
        return encode(
            notice,
            source=service_source(self.service),
            agency=agency,
            subject_id=event_id,
            event_id=str(notice_id),
            traceparent=child_traceparent(names.get("traceparent")),
        )


class _HandlerFailed(Exception):
    """A handler raised inside a batch transaction run without savepoints."""

    def __init__(self, delivery: _Delivery, error: Exception) -> None:
        super().__init__(repr(error))
        self.delivery = delivery
        self.error = error


def _failed(error: BaseException) -> _Outcome:
    if is_permanent(error):
        permanent = as_permanent(error)
        return _DeadLetter(dlq.Failure("permanent", permanent.reason, permanent.problems))
    log.info("handler failed, will retry: %r", error)
    return _Retry(error)


def _clip(attribute: str | None, limit: int = 256) -> str | None:
    """An attribute of a refused event as a rejection repeats it: one far too long was itself the problem."""
    return attribute if attribute is None or len(attribute) <= limit else attribute[: limit - 1] + "…"


def _outcome_name(outcome: _Outcome | None) -> str:
    if isinstance(outcome, _Ack):
        return "processed" if not outcome.note else "duplicate" if outcome.note == "duplicate" else "skipped"
    return "dead_lettered" if isinstance(outcome, _DeadLetter) else "retried"


def _conflict(envelope: Envelope) -> _DeadLetter:
    error = ConflictingDuplicate(
        f"Event {envelope.id} was already processed with different content; send changes under a new id.",
        [Problem(field="ce-id", problem="reused for different content")],
    )
    return _DeadLetter(dlq.Failure("permanent", error.reason, error.problems))
