"""Recipients, their preferences and the agencies' webhooks: which deliveries a message gets, and their ids."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from services.notify.domain.messages import Message
from shared.contracts.agency.notify import BulletinDelivery, Category, RecipientChannel
from shared.contracts.common import Language
from shared.contracts.notify import Channel

_NOTIFICATIONS = uuid.UUID("6f0c8a52-3d5e-4b7a-9c1e-2a4b6d8f0e13")
_LINE_RETRY = uuid.UUID("9a7e5c3b-1f2d-4e6a-8b0c-d2e4f6a8b0c1")

ZONE_OF_COUNTRY: Mapping[str, str] = {"TH": "Asia/Bangkok", "JP": "Asia/Tokyo"}


@dataclass(frozen=True, slots=True)
class Recipient:
    """A company's entry in the notify directory: what its profile says about reaching it."""

    company_id: str
    agency: str
    country: Literal["TH", "JP"]
    name: Mapping[str, str]
    contact_name: str
    email: str
    line_id: str | None
    language: Language


@dataclass(frozen=True, slots=True)
class Preferences:
    """What a company asked for; the defaults when its agency said nothing."""

    channels: tuple[RecipientChannel, ...] | None = None
    opted_out: frozenset[Category] = field(default_factory=frozenset)
    bulletins: BulletinDelivery = "immediate"
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class Webhook:
    """An agency's endpoint for the notifications concerning its companies."""

    agency: str
    url: str
    categories: frozenset[Category] = field(default_factory=frozenset)
    """Empty: every category a webhook can receive."""

    def wants(self, category: Category) -> bool:
        if category == "bulletin":
            return False  # the agencies publish the bulletins; they do not need them back per company
        return not self.categories or category in self.categories


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification: a message on one channel to one address, in the reader's language and zone."""

    notification_id: str
    channel: Channel
    address: str
    language: Language
    time_zone: str
    agency: str | None = None
    """The agency whose webhook it goes to (None for a company's own channels)."""


def notification_id(source_key: str, recipient: str, channel: Channel) -> str:
    """The same (source, recipient, channel) always gives the same id: the key of exactly-once."""
    return "n-" + uuid.uuid5(_NOTIFICATIONS, f"{source_key}\n{recipient}\n{channel}").hex


def line_retry_key(notification: str) -> str:
    """LINE's `X-Line-Retry-Key` for a notification: a UUID, the same on every attempt."""
    return str(uuid.uuid5(_LINE_RETRY, notification))


def time_zone(recipient: Recipient, preferences: Preferences) -> str:
    return preferences.time_zone or ZONE_OF_COUNTRY[recipient.country]


def personal_channels(recipient: Recipient, preferences: Preferences) -> tuple[RecipientChannel, ...]:
    """The company's own channels: as asked, or e-mail plus LINE when the contact gave a LINE id."""
    if preferences.channels is not None:
        return preferences.channels
    return ("email", "line") if recipient.line_id else ("email",)


def deliveries(
    message: Message,
    recipient: Recipient,
    preferences: Preferences,
    webhook: Webhook | None,
    enabled: Collection[Channel],
) -> tuple[Delivery, ...]:
    """Every notification `message` causes: the company's own channels unless it opted out of the
    category, and its agency's webhook if that wants the category. Channels the operator has not
    configured (`enabled`) and addresses the company did not give are left out."""
    zone = time_zone(recipient, preferences)
    planned: list[Delivery] = []
    if message.category not in preferences.opted_out:
        for channel in personal_channels(recipient, preferences):
            address = recipient.email if channel == "email" else recipient.line_id
            if channel in enabled and address:
                planned.append(
                    Delivery(
                        notification_id(message.source.key, recipient.company_id, channel),
                        channel,
                        address,
                        recipient.language,
                        zone,
                    )
                )
    if (
        webhook is not None
        and "webhook" in enabled
        and webhook.agency == recipient.agency
        and webhook.wants(message.category)
    ):
        planned.append(
            Delivery(
                notification_id(message.source.key, f"{recipient.company_id}@{webhook.agency}", "webhook"),
                "webhook",
                webhook.url,
                recipient.language,
                zone,
                agency=webhook.agency,
            )
        )
    return tuple(planned)


def wants_digest(message: Message, preferences: Preferences) -> bool:
    """A bulletin for a company that reads them in its daily digest waits for the digest instead."""
    return message.kind == "bulletin" and preferences.bulletins == "daily_digest"


def webhook_document(message: Message, delivery: Delivery, *, subject: str, text: str, language: str) -> dict[str, Any]:
    """What an agency's webhook receives: the rendered message for its CRM, and the facts for its systems."""
    return {
        "notification_id": delivery.notification_id,
        "kind": message.kind,
        "category": message.category,
        "company_id": message.company_id,
        "agency": delivery.agency,
        "source_event": {"id": message.source.event_id, "type": message.source.event_type},
        "language": language,
        "subject": subject,
        "text": text,
        "facts": message.facts,
    }
