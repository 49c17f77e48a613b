"""A service's life: database and migrations, broker, consumers and outbox relay, graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import nats.errors
from faststream import FastStream
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, before_sleep_log, retry_if_exception_type, stop_after_delay, wait_exponential

from shared.contracts.catalogue import all_contracts
from shared.contracts.subjects import SERVICES
from shared.messaging import inbox, outbox
from shared.messaging.broker import make_broker
from shared.messaging.consumer import Consumer, Policy, Subscription, UnroutedEvents
from shared.messaging.outbox import Relay
from shared.messaging.transaction import Transaction
from shared.runtime.health import HealthServer
from shared.runtime.observability import configure_logging, configure_tracing
from shared.settings import ConfigError, ServiceSettings, load_settings
from shared.storage import create_engine, is_postgresql, migrate, reachable, session_factory
from shared.taxonomy import TaxonomyError

log = logging.getLogger(__name__)

_STARTUP_PATIENCE = 120.0
_INBOX_RETENTION = timedelta(days=45)
"""Longer than any stream keeps events (30 days), so no redelivery can outlive its inbox entry."""
_INBOX_SWEEP_INTERVAL = 3600.0
_YOUNG_COLLECTION_AFTER = 50_000


Hook = Callable[["Service"], Awaitable[None]]


class StartupError(Exception):
    """The service cannot start as configured; the message says what to do."""


class Service:
    """One running service: what `python -m services.<name>` runs.

    `app.py` builds it from settings and the service's subscriptions; everything else a
    service needs to run reliably lives here, the same for every service.
    """

    def __init__(
        self,
        name: str,
        settings: ServiceSettings,
        subscriptions: Sequence[Subscription] = (),
        *,
        startup: Sequence[Hook] = (),
        background: Sequence[Hook] = (),
        after_commit: Sequence[Callable[[], None]] = (),
    ) -> None:
        """`startup` hooks run after migrations, before any event is consumed (load caches, build
        indexes); `background` coroutines run while the service runs (timers, dispatchers) and are
        cancelled when it stops, before the outbox is flushed. Both get the service. `after_commit`
        callbacks run after every committed batch of incoming events (wake a dispatcher rather than let it
        poll); not after `transaction`, whose callers know what they changed (a dispatcher's own commits
        waking it would have it look again at once, for ever)."""
        if name not in SERVICES:
            raise ValueError(f"unknown service {name!r}")
        self.name = name
        self.settings = settings
        self.subscriptions = tuple(subscriptions)
        self.startup = tuple(startup)
        self.background = tuple(background)
        self.after_commit = tuple(after_commit)
        self.broker = make_broker(settings, name=name)
        self.policy = Policy(
            max_deliver=settings.max_deliver,
            retry_delay=settings.retry_delay,
            retry_max_delay=settings.retry_max_delay,
            fetch_batch=settings.fetch_batch,
            max_event_bytes=settings.max_event_bytes,
            ack_wait=settings.ack_wait,
        )
        self.consumers: list[Consumer] = []
        self.health = HealthServer(port=settings.http_port, readiness=self._readiness)
        self._ready = False
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._relay: Relay | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        assert self._sessions is not None, "the service has not started"
        return self._sessions

    @property
    def client(self) -> Client:
        """The broker's NATS connection (for what nats-py's JetStream API lacks, such as atomic batches)."""
        client = self.broker.config.connection_state.connection
        assert isinstance(client, Client)
        return client

    @property
    def js(self) -> JetStreamContext:
        stream = self.broker.config.connection_state.stream
        assert isinstance(stream, JetStreamContext)
        return stream

    def app(self) -> FastStream:
        return FastStream(
            self.broker,
            logger=logging.getLogger(f"kakehashi.{self.name}"),
            on_startup=[self._prepare],
            after_startup=[self._begin],
            on_shutdown=[self._finish],
            after_shutdown=[self._close],
        )

    async def start(self) -> None:
        """Start in the current event loop (tests and embedding; `run` does this under FastStream)."""
        await self._prepare()
        await self.broker.start()
        await self._begin()

    async def stop(self) -> None:
        await self._finish()
        await self.broker.stop()
        await self._close()

    @contextlib.asynccontextmanager
    async def transaction(self, traceparent: str | None = None) -> AsyncIterator[Transaction]:
        """A unit of work outside any incoming event (timers, commands): committed, then relayed."""
        async with self.sessions() as session, session.begin():
            work = Transaction(session, self.name, traceparent)
            yield work
            await outbox.stage_all(session, work.emitted)
        if work.emitted and self._relay is not None:
            self._relay.wake()

    def _committed(self, staged: bool) -> None:
        """After a batch of incoming events commits: the relay publishes what it `staged`, if anything (a
        relay woken for nothing would take the database for an empty look), and the service's own
        callbacks run."""
        if staged and self._relay is not None:
            self._relay.wake()
        for callback in self.after_commit:
            callback()

    async def _prepare(self) -> None:
        await self.health.start()  # alive (for liveness probes) while it waits for its dependencies
        log.info("%s: /healthz, /readyz and /metrics on port %d", self.name, self.health.port)
        url = self.settings.database(self.name)
        self._engine = create_engine(url)
        self._sessions = session_factory(self._engine)
        async for attempt in _patiently(f"{self.name}: database"):
            with attempt:
                async with self._engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        await migrate(self._engine, self.name)
        async for attempt in _patiently(f"{self.name}: NATS at {self.settings.nats_url}"):
            with attempt:
                await self.broker.connect()

    async def _begin(self) -> None:
        js = self.js
        needed = {self.name.upper(), *(subscription.stream for subscription in self.subscriptions)}
        missing = []
        for stream in sorted(needed):
            try:
                await js.stream_info(stream)
            except NotFoundError:
                missing.append(stream)
        if missing:
            raise StartupError(
                f"stream{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"{'do' if len(missing) > 1 else 'does'} not exist: run `kakehashi streams apply` first"
            )
        assert self._engine is not None
        self._relay = Relay(self.sessions, self.client, postgres=is_postgresql(self._engine), service=self.name)
        self._relay.start()
        for hook in self.startup:
            await hook(self)
        tune_garbage_collection()
        self._tasks.append(asyncio.create_task(self._sweep_inbox(), name=f"{self.name} inbox sweep"))
        for subscription in self.subscriptions:
            consumer = Consumer(
                service=self.name,
                subscription=subscription,
                sessions=self.sessions,
                js=js,
                policy=self.policy,
                on_commit=self._committed,
            )
            await consumer.start()
            self.consumers.append(consumer)
        unrouted = UnroutedEvents(service=self.name, routed=self._inbound_filters(), js=js, policy=self.policy)
        await unrouted.start()
        self.consumers.append(unrouted)
        for hook in self.background:
            label = getattr(hook, "__name__", type(hook).__name__)
            self._tasks.append(asyncio.create_task(_supervised(hook, self), name=f"{self.name} {label}"))
        self._ready = True
        log.info(
            "%s ready: %d consumer(s) [%s], database %s",
            self.name,
            len(self.consumers),
            ", ".join(consumer.durable for consumer in self.consumers) or "none",
            self._engine.url.render_as_string(hide_password=True),
        )

    def _inbound_filters(self) -> list[str]:
        """What subscriptions route on `collab.in.>`: every inbound contract of the system, and this service's own."""
        contracts = [contract.route.filter for contract in all_contracts() if contract.route.direction == "inbound"]
        own = [
            subject_filter
            for subscription in self.subscriptions
            if subscription.stream == "COLLAB_IN"
            for subject_filter in subscription.filter_subjects
        ]
        return [*contracts, *own]

    async def _finish(self) -> None:
        """Stop fetching, finish the batches in hand, publish what they emitted."""
        self._ready = False
        timeout = self.settings.graceful_timeout
        await asyncio.gather(*(consumer.stop(timeout=timeout) for consumer in self.consumers))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._relay is not None:
            await self._relay.stop(flush_timeout=timeout)
        self.consumers.clear()
        log.info("%s stopped", self.name)

    async def _close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        await self.health.stop()

    async def _readiness(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not self._ready:
            problems["service"] = "starting or stopping"
        connection = self.broker._connection
        if connection is None or not connection.is_connected:
            problems["nats"] = "not connected"
        if self._engine is not None:
            try:
                async with asyncio.timeout(2):
                    await reachable(self._engine)
            except Exception as error:
                problems["database"] = f"unreachable: {error!r}"[:300]
        else:
            problems["database"] = "not opened yet"
        return problems

    async def _sweep_inbox(self) -> None:
        while True:
            try:
                async with self.sessions() as session, session.begin():
                    swept = await inbox.forget_before(session, datetime.now(UTC) - _INBOX_RETENTION)
                if swept:
                    log.info("%s: forgot %d inbox entries older than %s", self.name, swept, _INBOX_RETENTION)
            except Exception as error:
                log.warning("%s: inbox sweep failed: %r", self.name, error)
            await asyncio.sleep(_INBOX_SWEEP_INTERVAL)


def tune_garbage_collection() -> None:
    """A batch allocates hundreds of thousands of short-lived objects (rows, events, renders), nearly all
    freed by reference counting. With CPython's default threshold the cyclic collector ran a young
    collection every 700 allocations, a tenth of the matching stage and a fifth of notify's staging
    (measured 2026-11-27). Cyclic garbage now waits for `_YOUNG_COLLECTION_AFTER` allocations: a few
    megabytes at most."""
    gc.set_threshold(_YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])


_OUTAGES = (OSError, TimeoutError, DBAPIError, nats.errors.Error)
"""What a database or NATS that is away raises: waited out, not a bug."""
_RESTART_PAUSE, _LONGEST_PAUSE = 5.0, 60.0


async def _supervised(hook: Hook, service: Service) -> None:
    """Run a background hook; if it fails, log and start it again after a pause (it must not die quietly).

    An outage (database or NATS away) is one line each time, and the pause doubles up to a minute while
    it lasts; anything else is a bug, logged with its traceback.
    """
    clock, pause = asyncio.get_running_loop().time, _RESTART_PAUSE
    while True:
        began = clock()
        try:
            await hook(service)
            return
        except asyncio.CancelledError:
            raise
        except _OUTAGES as error:
            if clock() - began > _LONGEST_PAUSE:  # it had been running fine: a new outage
                pause = _RESTART_PAUSE
            log.warning("%s: background task %s stopped: %r; restarting it in %.0f s", service.name, hook, error, pause)
        except Exception:
            pause = _RESTART_PAUSE
            log.exception("%s: background task %r failed; restarting it in %.0f s", service.name, hook, pause)
        await asyncio.sleep(pause)
        pause = min(_LONGEST_PAUSE, pause * 2)


def _patiently(what: str) -> AsyncRetrying:
    return AsyncRetrying(
        retry=retry_if_exception_type(_OUTAGES),
        wait=wait_exponential(multiplier=0.2, max=5.0),
        stop=stop_after_delay(_STARTUP_PATIENCE),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )


S = TypeVar("S", bound=ServiceSettings)


def main(build: Callable[[S], Service], settings_type: type[S]) -> None:
    """Entry point of `python -m services.<name>`: settings from the environment, then run until signalled."""
    try:
        settings = load_settings(settings_type)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        service = build(settings)
    except TaxonomyError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings, service.name)
    tracing = configure_tracing(settings, service.name)
    try:
        asyncio.run(service.app().run(log_level=logging.INFO))
    except StartupError as error:
        log.error("%s", error)
        raise SystemExit(3) from None
    finally:
        if tracing is not None:
            tracing.shutdown()
