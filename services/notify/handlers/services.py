"""What the other services publish and the notify service tells companies about; and an operator's replay."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from services.notify.domain import messages
from services.notify.domain.messages import Message, Source
from services.notify.handlers.staging import Notifier
from services.notify.store import directory, notifications
from shared.contracts.base import Contract
from shared.contracts.events import (
    MeetingScheduled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from shared.contracts.matching import MatchConfirmed, MatchProposed
from shared.contracts.notify import NotificationRetryRequested
from shared.contracts.training import SkillRecordUpdated
from shared.messaging.consumer import Handling
from shared.messaging.envelope import Event
from shared.messaging.transaction import Transaction

log = logging.getLogger(__name__)
C = TypeVar("C", bound=Contract)


def _source(event: Event[Any]) -> Source:
    return Source(key=event.id, event_id=event.id, event_type=event.type)


class ServiceHandlers:
    """Bound in app.py to the service's notifier."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    async def matches_proposed(self, items: Sequence[Handling[MatchProposed]]) -> None:
        await self._deliver(items, lambda event: messages.match_proposed(_source(event), event.data))

    async def matches_confirmed(self, items: Sequence[Handling[MatchConfirmed]]) -> None:
        await self._deliver(items, lambda event: messages.match_confirmed(_source(event), event.data))

    async def registrations(
        self, items: Sequence[Handling[RegistrationConfirmed | RegistrationWaitlisted | RegistrationPromoted]]
    ) -> None:
        """Confirmed, waitlisted or promoted: each is one message to the company."""
        await self._deliver(items, lambda event: [messages.registration(_source(event), event.data)])

    async def meetings_scheduled(self, items: Sequence[Handling[MeetingScheduled]]) -> None:
        """Both companies, each told the other's public name when we know it."""
        session = items[0].tx.session
        known = await directory.recipients(session, [c for item in items for c in item.event.data.company_ids])
        names = {company_id: dict(recipient.name) for company_id, recipient in known.items()}
        await self._deliver(items, lambda event: messages.meeting_scheduled(_source(event), event.data, names))

    async def skill_records_updated(self, items: Sequence[Handling[SkillRecordUpdated]]) -> None:
        def message(event: Event[SkillRecordUpdated]) -> list[Message]:
            found = messages.skill_record_updated(_source(event), event.data)
            return [] if found is None else [found]

        await self._deliver(items, message)

    async def _deliver(
        self, items: Sequence[Handling[C]], to_messages: Callable[[Event[C]], Sequence[Message]]
    ) -> None:
        """Stage the messages of a run of events, all at once."""
        staged = [message for item in items for message in to_messages(item.event)]
        await self._notifier.deliver(items[0].tx.session, staged, datetime.now(UTC))

    async def retry_requested(self, event: Event[NotificationRetryRequested], tx: Transaction) -> None:
        """A failed notification's DLQ entry was replayed: send it again (only if it is still failed)."""
        notification_id = event.data.notification_id
        if await notifications.send_again(tx.session, notification_id, datetime.now(UTC)):
            log.info("notification %s will be sent again, as an operator asked", notification_id)
        else:
            log.info("notification %s was not failed (sent, erased or unknown): nothing to send again", notification_id)
