"""Who can be reached and how: recipients, preferences, webhooks, withdrawals and messages awaiting a recipient."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.domain.messages import CATEGORY, Kind, Message, Source
from services.notify.domain.routing import Preferences, Recipient, Webhook
from services.notify.store.tables import (
    BULK,
    PreferencesRow,
    RecipientFieldRow,
    RecipientRow,
    WaitingRow,
    WebhookRow,
    WithdrawnRow,
)
from shared.contracts.agency.company import ProfileSubmitted
from shared.contracts.agency.notify import BulletinDelivery, Category, PreferencesUpdated, RecipientChannel
from shared.contracts.common import Language

_DIRECTORY_LOCK = 0x6E6F7469  # "noti"
_LOCKED = "notify.directory_locked"


async def lock_directory(session: AsyncSession) -> None:
    """Serialise the transactions that change the directory or decide from it, until commit.

    Profiles and match proposals arrive on different streams, handled by concurrent transactions:
    without this, a proposal could be parked for a recipient whose profile commits at the same
    moment (and wait forever), or staged for a company whose withdrawal commits meanwhile. SQLite
    needs nothing: every transaction there begins with the write lock (`BEGIN IMMEDIATE`).

    Taken once per transaction (a batch of events) when taken outside a savepoint; inside one it
    is taken each time, since rolling a savepoint back releases what was taken in it.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_LOCKED) is transaction:
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DIRECTORY_LOCK})
    if not session.in_nested_transaction():
        session.info[_LOCKED] = transaction


def _recipient(row: RecipientRow) -> Recipient:
    return Recipient(
        company_id=row.company_id,
        agency=row.agency,
        country="TH" if row.country == "TH" else "JP",
        name=dict(row.name),
        contact_name=row.contact_name,
        email=row.email,
        line_id=row.line_id,
        language=cast(Language, row.language),
    )


async def recipient(session: AsyncSession, company_id: str) -> Recipient | None:
    row = await session.get(RecipientRow, company_id)
    return None if row is None else _recipient(row)


async def recipients(session: AsyncSession, company_ids: Sequence[str]) -> dict[str, Recipient]:
    rows = await session.scalars(select(RecipientRow).where(RecipientRow.company_id.in_(sorted(set(company_ids)))))
    return {row.company_id: _recipient(row) for row in rows}


async def known_version(session: AsyncSession, company_id: str) -> int | None:
    row = await session.get(RecipientRow, company_id)
    return None if row is None else row.profile_version


async def save_recipient(
    session: AsyncSession, agency: str, profile: ProfileSubmitted, now: datetime
) -> tuple[str, str | None] | None:
    """Keep what notifying the company needs from its profile (and nothing else), and its fields.

    Returns the contact's previous (e-mail, LINE id), or None for a company new here.
    """
    contact = profile.contact
    values = {
        "agency": agency,
        "country": profile.country,
        "name": profile.name.model_dump(exclude_none=True),
        "contact_name": contact.name,
        "email": contact.email,
        "line_id": contact.line_id,
        "language": contact.preferred_language,
        "profile_version": profile.profile_version,
        "updated_at": now,
    }
    fields = set(profile.fields)
    row = await session.get(RecipientRow, profile.company_id)
    if row is None:
        session.add(RecipientRow(company_id=profile.company_id, **values))
        session.add_all(RecipientFieldRow(company_id=profile.company_id, field_id=f) for f in sorted(fields))
        tombstone = await session.get(WithdrawnRow, profile.company_id)
        if tombstone is not None:
            await session.delete(tombstone)  # registered again after leaving
        return None
    previous = (row.email, row.line_id)
    for name, value in values.items():
        setattr(row, name, value)
    held = {
        held.field_id: held
        for held in await session.scalars(
            select(RecipientFieldRow).where(RecipientFieldRow.company_id == profile.company_id)
        )
    }
    for field_id in set(held) - fields:
        await session.delete(held[field_id])
    session.add_all(RecipientFieldRow(company_id=profile.company_id, field_id=f) for f in sorted(fields - set(held)))
    return previous


async def in_fields(session: AsyncSession, fields: Sequence[str]) -> list[tuple[Recipient, list[str]]]:
    """Recipients working in any of `fields`, each with all of its fields."""
    ids = select(RecipientFieldRow.company_id).where(RecipientFieldRow.field_id.in_(sorted(set(fields))))
    rows = (await session.scalars(select(RecipientRow).where(RecipientRow.company_id.in_(ids)))).all()
    their_fields: dict[str, list[str]] = {}
    for company_id, field_id in await session.execute(
        select(RecipientFieldRow.company_id, RecipientFieldRow.field_id).where(RecipientFieldRow.company_id.in_(ids))
    ):
        their_fields.setdefault(company_id, []).append(field_id)
    return [(_recipient(row), their_fields.get(row.company_id, [])) for row in rows]


def _preferences(row: PreferencesRow | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences(
        channels=None if row.channels is None else tuple(cast(list[RecipientChannel], row.channels)),
        opted_out=frozenset(cast(list[Category], row.opted_out)),
        bulletins=cast(BulletinDelivery, row.bulletins),
        time_zone=row.time_zone,
    )


async def preferences_of(session: AsyncSession, company_ids: Sequence[str]) -> dict[str, Preferences]:
    rows = await session.scalars(select(PreferencesRow).where(PreferencesRow.company_id.in_(sorted(set(company_ids)))))
    found = {row.company_id: _preferences(row) for row in rows}
    return {company_id: found.get(company_id, Preferences()) for company_id in company_ids}


async def save_preferences(session: AsyncSession, update: PreferencesUpdated, now: datetime) -> None:
    values = {
        "channels": None if update.channels is None else list(dict.fromkeys(update.channels)),
        "opted_out": sorted(set(update.opted_out)),
        "bulletins": update.bulletins,
        "time_zone": update.time_zone,
        "updated_at": now,
    }
    row = await session.get(PreferencesRow, update.company_id)
    if row is None:
        session.add(PreferencesRow(company_id=update.company_id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


async def webhook(session: AsyncSession, agency: str) -> Webhook | None:
    row = await session.get(WebhookRow, agency)
    if row is None:
        return None
    return Webhook(agency=row.agency, url=row.url, categories=frozenset(cast(list[Category], row.categories)))


async def webhooks(session: AsyncSession, agencies: Collection[str]) -> dict[str, Webhook]:
    """The webhooks of these agencies, for those that registered one."""
    if not agencies:
        return {}
    rows = await session.scalars(select(WebhookRow).where(WebhookRow.agency.in_(sorted(agencies))))
    return {
        row.agency: Webhook(agency=row.agency, url=row.url, categories=frozenset(cast(list[Category], row.categories)))
        for row in rows
    }


async def save_webhook(session: AsyncSession, agency: str, url: str, categories: Sequence[str], now: datetime) -> None:
    row = await session.get(WebhookRow, agency)
    if row is None:
        session.add(WebhookRow(agency=agency, url=url, categories=sorted(set(categories)), updated_at=now))
    else:
        row.url, row.categories, row.updated_at = url, sorted(set(categories)), now


async def remove_webhook(session: AsyncSession, agency: str) -> None:
    await session.execute(delete(WebhookRow).where(WebhookRow.agency == agency), execution_options=BULK)


async def withdrawn(session: AsyncSession, company_id: str) -> bool:
    return await session.get(WithdrawnRow, company_id) is not None


async def forget_company(session: AsyncSession, company_id: str, now: datetime) -> None:
    """Erase the company from the directory: contact, fields, preferences, messages awaiting it."""
    for table in (RecipientRow, RecipientFieldRow, PreferencesRow, WaitingRow):
        await session.execute(delete(table).where(table.company_id == company_id), execution_options=BULK)
    await session.execute(delete(WaitingRow).where(WaitingRow.other_company_id == company_id), execution_options=BULK)
    if await session.get(WithdrawnRow, company_id) is None:
        session.add(WithdrawnRow(company_id=company_id, withdrawn_at=now))


async def keep_waiting(session: AsyncSession, message: Message, now: datetime) -> None:
    """Park a message until its company's profile arrives (once per source and company)."""
    exists = await session.scalar(
        select(WaitingRow.id).where(
            WaitingRow.source_key == message.source.key, WaitingRow.company_id == message.company_id
        )
    )
    if exists is None:
        session.add(
            WaitingRow(
                company_id=message.company_id,
                kind=message.kind,
                source_key=message.source.key,
                source_event_id=message.source.event_id,
                source_event_type=message.source.event_type,
                facts=message.facts,
                other_company_id=message.other_company_id,
                created_at=now,
            )
        )


async def take_waiting(session: AsyncSession, company_id: str) -> list[Message]:
    """The messages parked for a company, removed from the waiting room."""
    rows = (
        await session.scalars(select(WaitingRow).where(WaitingRow.company_id == company_id).order_by(WaitingRow.id))
    ).all()
    messages = [
        Message(
            kind=cast(Kind, row.kind),
            company_id=row.company_id,
            source=Source(row.source_key, row.source_event_id, row.source_event_type),
            facts=dict(row.facts),
            other_company_id=row.other_company_id,
        )
        for row in rows
        if row.kind in CATEGORY
    ]
    if rows:
        await session.execute(
            delete(WaitingRow).where(WaitingRow.id.in_([row.id for row in rows])), execution_options=BULK
        )
    return messages


async def drop_waiting_before(session: AsyncSession, moment: datetime) -> int:
    """Give up on messages whose recipient never arrived."""
    result = await session.execute(delete(WaitingRow).where(WaitingRow.created_at < moment), execution_options=BULK)
    return int(getattr(result, "rowcount", 0) or 0)
