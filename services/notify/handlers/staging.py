"""Staging: a message becomes notifications (one per channel), rendered and saved in the event's transaction.

Nothing leaves the process here. Notifications are rows with a unique id derived from (source,
recipient, channel), written in the same transaction as the inbox entry of the event that caused
them; the dispatcher sends them afterwards. A redelivered event is a no-op (inbox), and a message
staged twice by other paths (a bulletin published again) finds its ids taken and stages nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.domain import routing
from services.notify.domain.messages import Message
from services.notify.domain.routing import Delivery, Recipient
from services.notify.rendering import Rendered, Renderer
from services.notify.store import directory, notifications
from services.notify.store.notifications import Staged
from shared.contracts.notify import Channel


class Notifier:
    """Turns messages into staged notifications for known recipients; parks those whose recipient is unknown."""

    def __init__(self, renderer: Renderer, enabled: Collection[Channel]) -> None:
        self.renderer = renderer
        self.enabled = frozenset(enabled)

    async def deliver(self, session: AsyncSession, messages: Sequence[Message], now: datetime) -> int:
        """Stage every notification the messages cause; return how many were staged.

        A message for a company whose profile we have not seen yet (it travels on another stream,
        so a match proposal may overtake it) waits for it; one for a company that withdrew is dropped.
        A handful of queries, whatever the number of messages: handlers call it once per run of events.
        """
        if not messages:
            return 0
        await directory.lock_directory(session)
        known = await directory.recipients(session, [message.company_id for message in messages])
        preferences = await directory.preferences_of(session, list(known))
        webhooks = await directory.webhooks(session, {recipient.agency for recipient in known.values()})
        planned: list[tuple[Message, Recipient, tuple[Delivery, ...]]] = []
        unknown = [message for message in messages if message.company_id not in known]
        if unknown:
            gone = await directory.withdrawn(session, {message.company_id for message in unknown})
            waiting = [message for message in unknown if message.company_id not in gone]
            await directory.keep_waiting(session, waiting, now)
        for message in messages:
            recipient = known.get(message.company_id)
            if recipient is None:
                continue
            wishes, webhook = preferences[recipient.company_id], webhooks.get(recipient.agency)
            planned.append((message, recipient, routing.deliveries(message, recipient, wishes, webhook, self.enabled)))
        ids = [delivery.notification_id for _, _, deliveries in planned for delivery in deliveries]
        taken = await notifications.existing(session, ids)
        staged = [
            one
            for message, recipient, deliveries in planned
            for one in self._written(message, recipient, deliveries, taken)
        ]
        await notifications.stage(session, staged, now)
        return len(staged)

    def _written(
        self, message: Message, recipient: Recipient, deliveries: Sequence[Delivery], taken: set[str]
    ) -> Iterator[Staged]:
        """The message's notifications not staged before, each rendered in its reader's language."""
        written: dict[str, Rendered] = {}
        reader = {"company_id": recipient.company_id, "name": recipient.name, "contact_name": recipient.contact_name}
        for delivery in deliveries:
            if delivery.notification_id in taken:
                continue
            if delivery.language not in written:
                written[delivery.language] = self.renderer.render(
                    message.kind, delivery.language, delivery.time_zone, message.facts, reader
                )
            text = written[delivery.language]
            body = text.body
            if delivery.channel == "webhook":
                document = routing.webhook_document(
                    message, delivery, subject=text.subject, text=text.body, language=text.language
                )
                body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
            yield Staged(message, delivery, text.subject, body, text.language)
            taken.add(delivery.notification_id)
