"""The events service's use cases: one async function each, load → decide (domain) → save and emit.

Handlers take `rules` (bound in app.py) besides the event and transaction. A domain refusal
(`Refused`) leaves as a `PermanentError`, which the consumer dead-letters and reports to the agency.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ParamSpec, cast

from services.events.domain import Refused
from services.events.store import EventRow
from shared.contracts.common import LocalizedText
from shared.contracts.events import EventKind, EventSummary, TimeZone
from shared.messaging.errors import PermanentError

Clock = Callable[[], datetime]
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Rules:
    """What the handlers are configured with."""

    clock: Clock
    """Now, as an aware datetime: the service's sense of time (tests may set it)."""
    fields: frozenset[str]
    """Known fields of cooperation (the taxonomy, with the operator's additions)."""
    request_ttl: timedelta = timedelta(hours=72)
    schedule_lead: timedelta = timedelta(minutes=30)
    solver_effort: float = 5.0


def refusing(handler: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Turn the domain's refusals into permanent errors, the messaging core's word for them."""

    @functools.wraps(handler)
    async def handle(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(*args, **kwargs)
        except Refused as refusal:
            raise PermanentError(refusal.reason, refusal.problems) from None

    return handle


def summary(event: EventRow) -> EventSummary:
    """The event as notifications describe it."""
    return EventSummary(
        event_id=event.event_id,
        kind=cast(EventKind, event.kind),
        title=LocalizedText.model_validate(event.title),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=cast(TimeZone, event.timezone),
        venue=LocalizedText.model_validate(event.venue) if event.venue else None,
        online_url=event.online_url,
    )
