"""What the other services publish and the notify service tells companies about; and an operator's replay."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from services.notify.domain import messages
from services.notify.domain.messages import Source
from services.notify.handlers.staging import Notifier
from services.notify.store import directory, notifications
from shared.contracts.events import (
    MeetingScheduled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from shared.contracts.matching import MatchConfirmed, MatchProposed
from shared.contracts.notify import NotificationRetryRequested
from shared.contracts.training import SkillRecordUpdated
from shared.messaging.envelope import Event
from shared.messaging.transaction import Transaction

log = logging.getLogger(__name__)


def _source(event: Event[Any]) -> Source:
    return Source(key=event.id, event_id=event.id, event_type=event.type)


class ServiceHandlers:
    """Bound in app.py to the service's notifier."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    async def match_proposed(self, event: Event[MatchProposed], tx: Transaction) -> None:
        await self._notifier.deliver(tx.session, messages.match_proposed(_source(event), event.data), datetime.now(UTC))

    async def match_confirmed(self, event: Event[MatchConfirmed], tx: Transaction) -> None:
        await self._notifier.deliver(
            tx.session, messages.match_confirmed(_source(event), event.data), datetime.now(UTC)
        )

    async def registration_confirmed(self, event: Event[RegistrationConfirmed], tx: Transaction) -> None:
        await self._notifier.deliver(tx.session, [messages.registration(_source(event), event.data)], datetime.now(UTC))

    async def registration_waitlisted(self, event: Event[RegistrationWaitlisted], tx: Transaction) -> None:
        await self._notifier.deliver(tx.session, [messages.registration(_source(event), event.data)], datetime.now(UTC))

    async def registration_promoted(self, event: Event[RegistrationPromoted], tx: Transaction) -> None:
        await self._notifier.deliver(tx.session, [messages.registration(_source(event), event.data)], datetime.now(UTC))

    async def meeting_scheduled(self, event: Event[MeetingScheduled], tx: Transaction) -> None:
        """Both companies, each told the other's public name when we know it."""
        known = await directory.recipients(tx.session, list(event.data.company_ids))
        names = {company_id: dict(recipient.name) for company_id, recipient in known.items()}
        await self._notifier.deliver(
            tx.session, messages.meeting_scheduled(_source(event), event.data, names), datetime.now(UTC)
        )

    async def skill_record_updated(self, event: Event[SkillRecordUpdated], tx: Transaction) -> None:
        message = messages.skill_record_updated(_source(event), event.data)
        if message is not None:
            await self._notifier.deliver(tx.session, [message], datetime.now(UTC))

    async def retry_requested(self, event: Event[NotificationRetryRequested], tx: Transaction) -> None:
        """A failed notification's DLQ entry was replayed: send it again (only if it is still failed)."""
        notification_id = event.data.notification_id
        if await notifications.send_again(tx.session, notification_id, datetime.now(UTC)):
            log.info("notification %s will be sent again, as an operator asked", notification_id)
        else:
            log.info("notification %s was not failed (sent, erased or unknown): nothing to send again", notification_id)
