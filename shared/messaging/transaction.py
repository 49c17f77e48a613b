"""What a handler works in: one database session plus the events it emits through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.base import Contract
from shared.contracts.subjects import service_source
from shared.messaging import outbox
from shared.messaging.envelope import OutgoingMessage, encode
from shared.messaging.tracing import child_traceparent


@dataclass(slots=True)
class Transaction:
    """A handler's unit of work: state changes through `session`, outgoing events through `emit`.

    Nothing here commits; the consumer commits the batch, and only then are emitted events
    published (by the outbox relay) and the incoming event acknowledged.
    """

    session: AsyncSession
    service: str
    traceparent: str | None = None
    """The incoming event's trace: emitted events continue it."""
    emitted: list[OutgoingMessage] = field(default_factory=list)

    def emit(
        self,
        data: Contract,
        *,
        subject_id: str | None = None,
        agency: str | None = None,
        event_id: str | None = None,
    ) -> OutgoingMessage:
        """Stage an event from this service; `agency` is for `collab.out.<agency>.…` subjects."""
        event = encode(
            data,
            source=service_source(self.service),
            subject_id=subject_id,
            agency=agency,
            event_id=event_id,
            traceparent=child_traceparent(self.traceparent),
        )
        outbox.stage(self.session, event)
        self.emitted.append(event)
        return event
