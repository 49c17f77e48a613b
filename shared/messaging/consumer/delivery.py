"""One fetched event on its way through a batch, and the ways it can end: acknowledged, retried, dead-lettered."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg

from shared.contracts.rejections import Problem
from shared.messaging import dlq
from shared.messaging.consumer.subscription import Route
from shared.messaging.envelope import Envelope, Event
from shared.messaging.errors import ConflictingDuplicate, as_permanent, is_permanent
from shared.messaging.transaction import Transaction

log = logging.getLogger(__package__)  # one logger name for all of the consumer's records


@dataclass(frozen=True, slots=True)
class _Ack:
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Retry:
    error: BaseException
    held: bool = False
    """Not failed itself: held back behind a failing event of an ordered subscription."""


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
    subject: str = ""
    """The subject it was published on (a replay's, without its `_replay.<consumer>` part)."""
    outcome: _Outcome | None = field(default=None)
    work: Transaction | None = None
    """The handler's unit of work, when it ran and its effects are part of the batch."""
    attempts: int = 0
    """Deliveries plus the times it ran again while held in hand (ordered subscriptions)."""
    settled: bool = False

    def __post_init__(self) -> None:
        self.attempts = self.deliveries


class _HandlerFailed(Exception):
    """A handler raised inside a batch transaction run without savepoints."""

    def __init__(self, delivery: _Delivery | None, error: Exception) -> None:
        """`delivery` is the event whose handler raised; None when a run handler did (any of its events)."""
        super().__init__(repr(error))
        self.delivery = delivery
        self.error = error


def _exhausted(attempts: int, error: BaseException) -> _DeadLetter:
    return _DeadLetter(dlq.Failure("exhausted", f"Still failing after {attempts} deliveries: {error!r}"))


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
