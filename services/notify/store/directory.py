"""Who can be reached and how: recipients, preferences, webhooks, withdrawals and messages awaiting a recipient."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import delete, inspect, select, text
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


@dataclass(frozen=True, slots=True)
class Saved:
    """What saving a profile did: kept as the newest, with the contact it replaced (None: a company new here)."""

    company_id: str
    previous: tuple[str, str | None] | None


async def save_recipients(
    session: AsyncSession, profiles: Sequence[tuple[str, ProfileSubmitted]], now: datetime
) -> list[Saved]:
    """Keep what notifying each company needs from its profile (and nothing else), and its fields.

    `profiles` are (agency, profile) in the order they arrived, read and written in a few statements
    whatever their number. A profile older than the one kept (a snapshot arriving late) changes
    nothing and is left out of the result.
    """
    company_ids = sorted({profile.company_id for _, profile in profiles})
    rows = {
        row.company_id: row
        for row in await session.scalars(select(RecipientRow).where(RecipientRow.company_id.in_(company_ids)))
    }
    held: dict[str, dict[str, RecipientFieldRow]] = {}
    for field_row in await session.scalars(
        select(RecipientFieldRow).where(RecipientFieldRow.company_id.in_(company_ids))
    ):
        held.setdefault(field_row.company_id, {})[field_row.field_id] = field_row
    tombstones = {
        row.company_id: row
        for row in await session.scalars(select(WithdrawnRow).where(WithdrawnRow.company_id.in_(company_ids)))
    }
    saved = []
    for agency, profile in profiles:
        company_id, contact = profile.company_id, profile.contact
        row = rows.get(company_id)
        if row is not None and row.profile_version > profile.profile_version:
            continue
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
        previous = None
        if row is None:
            rows[company_id] = RecipientRow(company_id=company_id, **values)
            session.add(rows[company_id])
            if (tombstone := tombstones.pop(company_id, None)) is not None:
                await session.delete(tombstone)  # registered again after leaving
        else:
            previous = (row.email, row.line_id)
            for name, value in values.items():
                setattr(row, name, value)
        fields, theirs = set(profile.fields), held.setdefault(company_id, {})
        for field_id in sorted(set(theirs) - fields):
            await _remove(session, theirs.pop(field_id))
        for field_id in sorted(fields - set(theirs)):
            theirs[field_id] = RecipientFieldRow(company_id=company_id, field_id=field_id)
            session.add(theirs[field_id])
        saved.append(Saved(company_id, previous))
    return saved


async def _remove(session: AsyncSession, row: RecipientFieldRow) -> None:
    """Delete a row, or forget one added in this transaction and not written yet."""
    if inspect(row).pending:
        session.expunge(row)
    else:
        await session.delete(row)


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


async def withdrawn(session: AsyncSession, company_ids: Collection[str]) -> set[str]:
    """Which of these companies withdrew."""
    found = select(WithdrawnRow.company_id).where(WithdrawnRow.company_id.in_(sorted(company_ids)))
    return set(await session.scalars(found))


async def forget_company(session: AsyncSession, company_id: str, now: datetime) -> None:
    """Erase the company from the directory: contact, fields, preferences, messages awaiting it."""
    for table in (RecipientRow, RecipientFieldRow, PreferencesRow, WaitingRow):
        await session.execute(delete(table).where(table.company_id == company_id), execution_options=BULK)
    await session.execute(delete(WaitingRow).where(WaitingRow.other_company_id == company_id), execution_options=BULK)
    if await session.get(WithdrawnRow, company_id) is None:
        session.add(WithdrawnRow(company_id=company_id, withdrawn_at=now))


async def keep_waiting(session: AsyncSession, messages: Sequence[Message], now: datetime) -> None:
    """Park messages until their company's profile arrives (once per source and company)."""
    if not messages:
        return
    parked = set(
        (
            await session.execute(
                select(WaitingRow.source_key, WaitingRow.company_id).where(
                    WaitingRow.company_id.in_(sorted({message.company_id for message in messages})),
                    WaitingRow.source_key.in_(sorted({message.source.key for message in messages})),
                )
            )
        ).tuples()
    )
    for message in messages:
        if (message.source.key, message.company_id) in parked:
            continue
        parked.add((message.source.key, message.company_id))
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


async def take_waiting(session: AsyncSession, company_ids: Collection[str]) -> list[Message]:
    """The messages parked for these companies, in the order they were parked, removed from the waiting room."""
    if not company_ids:
        return []
    rows = (
        await session.scalars(
            select(WaitingRow).where(WaitingRow.company_id.in_(sorted(company_ids))).order_by(WaitingRow.id)
        )
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
