"""What a service declares it consumes: subscriptions of typed routes, and the policy their consumers follow."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.contracts.base import Contract
from shared.messaging.envelope import Event
from shared.messaging.streams import stream_for
from shared.messaging.transaction import Transaction

C = TypeVar("C", bound=Contract)
Handler = Callable[[Event[Any], Transaction], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Handling(Generic[C]):
    """One event of a run handed to a handler together, and its own unit of work."""

    event: Event[C]
    tx: Transaction


RunHandler = Callable[[Sequence[Handling[C]]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Route(Generic[C]):
    """One contract and the handler for it.

    `run`, when set, takes several consecutive events of the contract at once (see `on_runs`);
    `handle` then hands it one event at a time.
    """

    contract: type[C]
    handle: Callable[[Event[C], Transaction], Awaitable[None]]
    run: RunHandler[C] | None = None


def on(contract: type[C], handle: Callable[[Event[C], Transaction], Awaitable[None]]) -> Route[C]:
    """`on(ProfileSubmitted, handlers.submit_profile)`: a typed route for a subscription."""
    return Route(contract, handle)


def on_runs(contract: type[C], handle: RunHandler[C]) -> Route[C]:
    """`on_runs(MatchProposed, handlers.matches_proposed)`: a route whose handler takes runs of events.

    A run is the consecutive events of one batch that have this contract, in stream order, each with
    its own `Transaction` (what it emits, and its trace), all in the batch's database transaction: a
    handler can then read and write for the whole run in a few statements rather than a few per event.
    It must give the same result as handling the events one by one, in order: when it raises, the
    consumer handles the run's events again one at a time, each in a savepoint of its own, to find
    the one that failed.
    """

    async def one(event: Event[C], tx: Transaction) -> None:
        await handle([Handling(event, tx)])

    return Route(contract, one, handle)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A durable consumer `<service>-<name>` of one or more contracts, all stored in one stream.

    An `ordered` subscription (the default) commits its events' effects in stream order, however
    many replicas run it, so contracts whose order matters to each other (a profile and its
    withdrawal, a session and its registrations) belong in the same subscription:
    - one replica at a time fetches (the durable is a pinned-client priority group; the others
      stand by and take over when it stops or has not pulled for `Policy.pin_timeout`, beginning with
      what it left in hand once that comes back), and at most
      one batch is out (`max_ack_pending` = `fetch_batch`), so batches are handled one after another;
    - a permanently bad event is dead-lettered and the line moves on past it;
    - an event that fails for a reason that may pass stops the line: the events before it commit,
      it and every later event of the batch stay in hand (kept alive, unacknowledged) and run again
      after the retry delay, until it succeeds or is dead-lettered after `max_deliver` attempts.
      Later events wait meanwhile: a transient failure of one event delays the whole subscription.
    An event dead-lettered and replayed later is, necessarily, handled after the events behind it.

    `ordered=False` lets replicas split the work and a failing event be overtaken; only for
    handlers that give the same result in any order.
    """

    name: str
    routes: tuple[Route[Any], ...]
    ordered: bool = True

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
    turn_renewal: float = 5.0

    @property
    def pin_timeout(self) -> float:
        """How long a replica of an ordered subscription keeps its turn without pulling.

        Long enough for a live replica: between batches it pulls at least every few seconds, and with
        a batch in hand it renews its turn every `turn_renewal` seconds. Short enough that a standby
        soon takes over from one that died. Order needs no more: the server picks a new pinned replica
        only once the events in flight are settled or their ack wait has run out (NATS ADR-42), so
        the events a dead replica held reach the next one before any later event.
        """
        return 3 * self.turn_renewal

    def delay(self, deliveries: int) -> float:
        """The nak delay after the n-th failed delivery: doubling, capped, with ±20 % jitter."""
        base: float = min(self.retry_max_delay, self.retry_delay * 2.0 ** max(0, deliveries - 1))
        return base * random.uniform(0.8, 1.2)
