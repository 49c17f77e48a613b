"""What the notify service publishes: each notification's fate."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.contracts.agency.notify import Category
from shared.contracts.base import Contract
from shared.contracts.common import CompanyId

Channel = Literal["email", "webhook", "line"]


class NotificationSent(Contract):
    """A notification reached its channel (accepted by the SMTP server, the webhook or LINE)."""

    subject = "collab.notify.notification.sent.v1"

    notification_id: str = Field(
        description="Derived from (source event, recipient, channel): one notification each.",
        examples=["n-8c1d0f6a2b3e4d5f"],
    )
    source_event_id: str = Field(
        description="The event it is about.", examples=["0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42"]
    )
    source_event_type: str = Field(description="That event's type.", examples=["collab.matching.match.proposed.v1"])
    company_id: CompanyId | None = Field(
        description="The recipient company, or null for an agency's webhook.", examples=["th-0105551234567"]
    )
    channel: Channel = Field(description="How it was sent.", examples=["email"])
    sent_at: AwareDatetime = Field(description="When.", examples=["2026-11-26T03:15:02Z"])
    agency: str | None = Field(
        default=None,
        description="For an agency's webhook: the agency (added in v1, optional).",
        examples=["th-dip"],
    )
    category: Category | None = Field(
        default=None,
        description="What the notification is about (added in v1, optional).",
        examples=["match_proposed"],
    )


class NotificationFailed(Contract):
    """A notification could not be delivered, after retries or because it never could be."""

    subject = "collab.notify.notification.failed.v1"

    notification_id: str = Field(description="The notification.", examples=["n-8c1d0f6a2b3e4d5f"])
    source_event_id: str = Field(
        description="The event it is about.", examples=["0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42"]
    )
    source_event_type: str = Field(description="That event's type.", examples=["collab.matching.match.proposed.v1"])
    company_id: CompanyId | None = Field(
        description="The recipient company, or null for an agency's webhook.", examples=["th-0105551234567"]
    )
    channel: Channel = Field(description="The channel that failed.", examples=["line"])
    reason: str = Field(description="Why, in plain words.", examples=["LINE answered 400: invalid user id"])
    failed_at: AwareDatetime = Field(description="When.", examples=["2026-11-26T03:20:00Z"])
    agency: str | None = Field(
        default=None,
        description="For an agency's webhook: the agency (added in v1, optional).",
        examples=["th-dip"],
    )
    category: Category | None = Field(
        default=None,
        description="What the notification is about (added in v1, optional).",
        examples=["match_proposed"],
    )


class NotificationRetryRequested(Contract):
    """The body of a failed notification's DLQ entry: replaying the entry (`kakehashi dlq replay`) sends it again.

    Never published by the service itself; it exists only in the DLQ until an operator, having
    fixed the cause (credentials, an address, the agency's endpoint), replays it.
    """

    subject = "collab.notify.notification.retry_requested.v1"

    notification_id: str = Field(description="The notification to send again.", examples=["n-8c1d0f6a2b3e4d5f"])
    channel: Channel = Field(description="Its channel.", examples=["email"])
    source_event_id: str = Field(
        description="The event it is about.", examples=["0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42"]
    )
    source_event_type: str = Field(description="That event's type.", examples=["collab.matching.match.proposed.v1"])
    reason: str = Field(description="Why it failed.", examples=["SMTP answered 550: mailbox unavailable"])
