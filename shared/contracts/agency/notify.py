"""What an agency tells the notify service: its companies' notification preferences and its own webhook."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.contracts.base import Contract
from shared.contracts.common import CompanyId

Category = Literal["match_proposed", "match_confirmed", "registration", "meeting", "skill_record", "bulletin"]
"""What a notification is about: a company may opt out of each, an agency's webhook subscribes to some."""

WebhookCategory = Literal["match_proposed", "match_confirmed", "registration", "meeting", "skill_record"]
"""The categories an agency's webhook can receive: bulletins are the agencies' own news, not sent back to them."""

RecipientChannel = Literal["email", "line"]
"""The channels that reach a company's contact person (an agency's webhook is registered separately)."""

BulletinDelivery = Literal["immediate", "daily_digest"]

TimeZoneName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]+(?:/[A-Za-z0-9_+-]+){1,2}$", max_length=64)]
"""An IANA time zone such as `Asia/Bangkok` or `Asia/Tokyo`."""

WebhookUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000)]


class PreferencesUpdated(Contract):
    """How one of the agency's companies wants to be notified: a snapshot that replaces the previous one."""

    subject = "collab.in.{agency}.notify.preferences_updated.v1"

    company_id: CompanyId = Field(
        description="The company; its profile must have been submitted by this agency first.",
        examples=["th-0105551234567"],
    )
    channels: tuple[RecipientChannel, ...] | None = Field(
        default=None,
        description="Channels to use; null for the default (e-mail, plus LINE when the contact has a LINE id); "
        "an empty list stops all notifications to the company's contact.",
        examples=[["email", "line"]],
    )
    opted_out: tuple[Category, ...] = Field(
        default=(),
        description="Categories the company does not want to hear about.",
        examples=[["skill_record"]],
    )
    bulletins: BulletinDelivery = Field(
        default="immediate",
        description="Information bulletins one by one as they are published, or gathered in a daily digest.",
        examples=["daily_digest"],
    )
    time_zone: TimeZoneName | None = Field(
        default=None,
        description="The IANA zone to show times in; null for the company's country (Asia/Bangkok, Asia/Tokyo).",
        examples=["Asia/Tokyo"],
    )


class WebhookRegistered(Contract):
    """The agency's own endpoint for the notifications concerning its companies (e.g. into its CRM).

    The signing secret is never sent over the bus: the operator sets it in the notify service's
    environment (`KAKEHASHI_NOTIFY_WEBHOOK_SECRETS`). A new registration replaces the previous one.
    """

    subject = "collab.in.{agency}.notify.webhook_registered.v1"

    url: WebhookUrl = Field(
        description="Where to POST the signed JSON notifications (https).",
        examples=["https://crm.dip.go.th/hooks/kakehashi"],
    )
    categories: tuple[WebhookCategory, ...] = Field(
        default=(),
        description="Categories to receive; empty for all of them.",
        examples=[["match_proposed", "match_confirmed", "meeting"]],
    )
    enabled: bool = Field(
        default=True,
        description="False removes the registration: nothing more is sent, pending deliveries are cancelled.",
        examples=[True],
    )
