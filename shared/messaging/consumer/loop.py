"""`Consumer`: one subscription's durable consumer, from its creation through the fetch loop to its stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.messaging import dlq
from shared.messaging.consumer.batch import _Batches
from shared.messaging.consumer.subscription import Policy, Subscription
from shared.messaging.consumer.turns import _GROUP, _PinnedConsumerConfig

log = logging.getLogger(__package__)  # one logger name for all of the consumer's records


class Consumer(_Batches):
    """Runs one `Subscription` of one service: the fetch loop, the batch transaction, the settling."""

    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription,
        sessions: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        policy: Policy,
        on_commit: Callable[[bool], None] = lambda staged: None,
    ) -> None:
        self.service = service
        self.subscription = subscription
        self.durable = f"{service}-{subscription.name}"
        self.stream = subscription.stream
        self.ordered = subscription.ordered
        self._sessions = sessions
        self._js = js
        self._policy = policy
        self._on_commit = on_commit
        self._routes = {route.contract.ce_type(): route for route in subscription.routes}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._pin: str | None = None
        """This replica's turn at an ordered subscription, as the server named it."""
        self._uncommitted = 0
        """Batches in a row whose transaction failed (the database is away, most likely)."""

    def consumer_config(self) -> ConsumerConfig:
        filters = self.subscription.filter_subjects
        filters = [*filters, dlq.replay_filter(filters[0], self.durable)]
        config = _PinnedConsumerConfig(
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
        if self.ordered:
            config.max_ack_pending = self._policy.fetch_batch
            config.priority_groups = [_GROUP]
            config.priority_policy = "pinned_client"
            config.priority_timeout = self._policy.pin_timeout
        return config

    async def start(self) -> None:
        """Create or update the durable consumer and start fetching."""
        await self._js.add_consumer(self.stream, self.consumer_config())
        self._pull = await self._js.pull_subscribe_bind(durable=self.durable, stream=self.stream)
        self._task = asyncio.create_task(self._run(), name=f"consumer {self.durable}")

    async def stop(self, *, timeout: float) -> None:
        """Stop fetching and let the batch in hand finish, for at most `timeout` seconds.

        A fetch under way is not cancelled: the server may already have handed it events, which a
        cancelled fetch would drop on the floor until their ack wait ran out. It returns within
        `fetch_timeout`, and whatever it brought (or its pull request brings a moment later) is
        processed before the loop ends.
        """
        self._stopping = True
        self._stop_requested.set()
        if self._task is None:
            return
        done, _ = await asyncio.wait({self._task}, timeout=timeout)
        if not done:
            # What it holds comes back after the ack wait; the server gives no other replica the
            # turn before that, so none takes later events before those.
            self._task.cancel()
            log.warning("%s: in-flight batch abandoned after %.0f s; it will be redelivered", self.durable, timeout)
        elif self._pin is not None and not self._task.cancelled():
            await self._unpin()
        with contextlib.suppress(nats.errors.Error):
            await self._pull.unsubscribe()

    async def _run(self) -> None:
        failures = 0
        clock = asyncio.get_running_loop().time
        fetched = clock()
        while not self._stopping:
            try:
                msgs = await self._fetch()
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
            if not msgs:
                continue
            try:
                await self.handle(msgs)
            except Exception:  # a bug here must not stop the loop; the events are redelivered
                log.exception("%s: batch of %d failed unexpectedly", self.durable, len(msgs))
            if self._uncommitted and not self._stopping:
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
            await self._js.add_consumer(self.stream, self.consumer_config())
        except Exception as error:
            log.warning("%s: could not re-create the consumer: %r", self.durable, error)
