"""What a handler works in: one database session plus the events it emits through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.base import Contract
from shared.contracts.subjects import service_source
from shared.messaging.envelope import OutgoingMessage, encode
from shared.messaging.observe import current_traceparent
from shared.messaging.tracing import child_traceparent


@dataclass(slots=True)
class Transaction:
    """A handler's unit of work: state changes through `session`, outgoing events through `emit`.

    Nothing here commits or writes the outbox: whoever owns the transaction (the consumer, for a
    batch; `Service.transaction`) writes every emitted event with one statement before committing,
    and only then are they published (by the outbox relay) and the incoming events acknowledged.
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
            traceparent=current_traceparent() or child_traceparent(self.traceparent),
        )
        self.emitted.append(event)
        return event

    def stage(self, message: OutgoingMessage) -> None:
        """Stage a message already encoded (a dead letter): written and relayed with the emitted events."""
        self.emitted.append(message)
