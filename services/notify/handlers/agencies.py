"""What agencies send the notify service: profiles and withdrawals, preferences, webhooks and bulletins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.notify.domain import messages, routing
from services.notify.handlers.staging import Notifier
from services.notify.store import bulletins, directory, notifications
from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.info import BulletinPublished
from shared.contracts.agency.notify import PreferencesUpdated, WebhookRegistered
from shared.contracts.rejections import Problem
from shared.messaging.consumer import Handling
from shared.messaging.envelope import Event
from shared.messaging.errors import PermanentError
from shared.messaging.transaction import Transaction
from shared.taxonomy import FieldOfCooperation, Taxonomy


def _agency(event: Event[Any]) -> str:
    assert event.agency is not None, "agency contracts always come with their agency"
    return event.agency


class AgencyHandlers:
    """Bound in app.py to the service's notifier, taxonomy and webhook configuration."""

    def __init__(
        self,
        notifier: Notifier,
        fields: Taxonomy[FieldOfCooperation],
        webhook_secrets: Mapping[str, object],
        *,
        allow_http_webhooks: bool,
    ) -> None:
        self._notifier = notifier
        self._fields = fields
        self._secrets = webhook_secrets
        self._allow_http = allow_http_webhooks

    async def profiles_submitted(self, items: Sequence[Handling[ProfileSubmitted]]) -> None:
        """Keep the contact of each company's newest profile; send what was waiting for these companies."""
        session, now = items[0].tx.session, datetime.now(UTC)
        await directory.lock_directory(session)
        profiles = [(_agency(item.event), item.event.data) for item in items]
        saved = await directory.save_recipients(session, profiles, now)
        contacts = {item.event.data.company_id: item.event.data.contact for item in items}
        for change in saved:
            if change.previous is None:
                continue
            company_id, contact = change.company_id, contacts[change.company_id]
            if change.previous[0] != contact.email:
                await notifications.readdress(session, company_id=company_id, channel="email", address=contact.email)
            if change.previous[1] != contact.line_id:
                await notifications.readdress(session, company_id=company_id, channel="line", address=contact.line_id)
        waiting = await directory.take_waiting(session, {change.company_id for change in saved})
        await self._notifier.deliver(session, waiting, now)

    async def profile_withdrawn(self, event: Event[ProfileWithdrawn], tx: Transaction) -> None:
        """Erase the company's personal data here: directory, preferences, waiting messages, notifications."""
        company_id, session, now = event.data.company_id, tx.session, datetime.now(UTC)
        await directory.lock_directory(session)
        known = await directory.recipient(session, company_id)
        if known is not None and known.agency != _agency(event):
            raise PermanentError(
                f"Company {company_id} was registered by {known.agency}; only that agency may withdraw it.",
                [Problem(field="company_id", problem=f"registered by {known.agency}")],
            )
        await directory.forget_company(session, company_id, now)
        await bulletins.forget_company(session, company_id)
        await notifications.erase_company(session, company_id, now)

    async def preferences_updated(self, event: Event[PreferencesUpdated], tx: Transaction) -> None:
        update, session = event.data, tx.session
        known = await directory.recipient(session, update.company_id)
        if known is None or known.agency != _agency(event):
            raise PermanentError(
                f"Company {update.company_id} is not registered by {_agency(event)}: submit its profile first.",
                [Problem(field="company_id", problem="no profile from this agency")],
            )
        if update.time_zone is not None:
            try:
                ZoneInfo(update.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise PermanentError(
                    f"{update.time_zone} is not a known time zone.",
                    [Problem(field="time_zone", problem="expected an IANA zone such as Asia/Bangkok")],
                ) from None
        await directory.save_preferences(session, update, datetime.now(UTC))

    async def webhook_registered(self, event: Event[WebhookRegistered], tx: Transaction) -> None:
        registration, agency, session = event.data, _agency(event), tx.session
        if not registration.enabled:
            await directory.remove_webhook(session, agency)
            await notifications.readdress_webhook(session, agency, None)
            return
        if agency not in self._secrets:
            raise PermanentError(
                f"No signing secret is configured for {agency}: ask the operator to add it "
                "(KAKEHASHI_NOTIFY_WEBHOOK_SECRETS), then register the webhook again.",
                [Problem(field="url", problem="no signing secret for this agency")],
            )
        if not registration.url.startswith("https://") and not self._allow_http:
            raise PermanentError("Webhooks must use https.", [Problem(field="url", problem="expected an https:// URL")])
        await directory.save_webhook(session, agency, registration.url, registration.categories, datetime.now(UTC))
        await notifications.readdress_webhook(session, agency, registration.url)

    async def bulletin_published(self, event: Event[BulletinPublished], tx: Transaction) -> None:
        """Send the bulletin to the companies of its fields, or hold it for their digest."""
        bulletin, agency, session, now = event.data, _agency(event), tx.session, datetime.now(UTC)
        unknown = [field for field in bulletin.fields if field not in self._fields]
        if unknown:
            raise PermanentError(
                f"Unknown fields of cooperation: {', '.join(unknown)}.",
                [Problem(field="fields", problem=f"not in the taxonomy: {', '.join(unknown)}")],
            )
        await directory.lock_directory(session)
        facts = messages.bulletin_facts(agency, bulletin)
        await bulletins.save_bulletin(session, agency, bulletin.bulletin_id, facts, now)
        source = messages.bulletin_source(agency, event.id, bulletin)
        audience = await directory.in_fields(session, bulletin.fields)
        preferences = await directory.preferences_of(session, [recipient.company_id for recipient, _ in audience])
        immediate = []
        for recipient, fields in audience:
            wishes = preferences[recipient.company_id]
            if not messages.bulletin_audience(bulletin, recipient.country, fields, sorted(wishes.opted_out)):
                continue
            message = messages.bulletin(source, recipient.company_id, facts)
            if routing.wants_digest(message, wishes):
                await bulletins.queue_for_digest(session, recipient.company_id, agency, bulletin.bulletin_id, now)
            else:
                immediate.append(message)
        await self._notifier.deliver(session, immediate, now)
