"""The notify service's tables: its recipient directory, preferences, webhooks, bulletins and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.storage.types import UTCDateTime


class NotifyBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON, dict[str, str]: JSON}


_ID = BigInteger().with_variant(Integer(), "sqlite")

BULK: dict[str, Any] = {"synchronize_session": "fetch"}
"""For UPDATE and DELETE statements: keep the session's objects in step by the rows actually changed.

SQLAlchemy's default evaluates the WHERE clause against every object of the class in the session,
which in a batch of 500 events (thousands of objects) made each statement cost milliseconds."""


class RecipientRow(NotifyBase):
    """A company's contact, as its newest profile gives it: personal data, erased on withdrawal."""

    __tablename__ = "notify_recipients"

    company_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    name: Mapped[dict[str, str]]
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    line_id: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(2))
    profile_version: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecipientFieldRow(NotifyBase):
    """A company's field of cooperation: who receives a bulletin of that field."""

    __tablename__ = "notify_recipient_fields"

    company_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    field_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class PreferencesRow(NotifyBase):
    """What a company's agency said about notifying it."""

    __tablename__ = "notify_preferences"

    company_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    channels: Mapped[list[str] | None] = mapped_column(JSON)
    opted_out: Mapped[list[str]]
    bulletins: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookRow(NotifyBase):
    """An agency's endpoint; its secret lives in the environment, not here."""

    __tablename__ = "notify_webhooks"

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    categories: Mapped[list[str]]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WithdrawnRow(NotifyBase):
    """A company that left: messages about it that arrive late are dropped, not kept waiting."""

    __tablename__ = "notify_withdrawn"

    company_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WaitingRow(NotifyBase):
    """A message for a company whose profile has not reached us yet (it comes on another stream)."""

    __tablename__ = "notify_waiting"
    __table_args__ = (UniqueConstraint("source_key", "company_id", name="uq_notify_waiting_source_company"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    company_id: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    source_key: Mapped[str] = mapped_column(String(300))
    source_event_id: Mapped[str] = mapped_column(String(256))
    source_event_type: Mapped[str] = mapped_column(String(256))
    facts: Mapped[dict[str, Any]]
    other_company_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class BulletinRow(NotifyBase):
    """A bulletin as last published: what digests show."""

    __tablename__ = "notify_bulletins"

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    bulletin_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    facts: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestItemRow(NotifyBase):
    """A bulletin waiting for a company's next digest; `digest_id` is set when a digest takes it."""

    __tablename__ = "notify_digest_items"
    __table_args__ = (UniqueConstraint("company_id", "agency", "bulletin_id", name="uq_notify_digest_item"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    company_id: Mapped[str] = mapped_column(String(80), index=True)
    agency: Mapped[str] = mapped_column(String(64))
    bulletin_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    digest_id: Mapped[str | None] = mapped_column(String(64), index=True)


class NotificationRow(NotifyBase):
    """One notification: staged with the event that caused it, then sent by the dispatcher, exactly once.

    `notification_id` is derived from (source, recipient, channel) and unique. The dispatcher claims
    pending rows with a lease (`claimed_until`, `claimed_by`), so replicas never send the same row
    at once. Rendered text and address are personal data: erased on withdrawal, status kept.
    """

    __tablename__ = "notify_notifications"
    __table_args__ = (Index("ix_notify_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    notification_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    company_id: Mapped[str | None] = mapped_column(String(80), index=True)
    other_company_id: Mapped[str | None] = mapped_column(String(80), index=True)
    agency: Mapped[str | None] = mapped_column(String(64))
    source_event_id: Mapped[str] = mapped_column(String(256))
    source_event_type: Mapped[str] = mapped_column(String(256))
    language: Mapped[str] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(String(2000))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    """The text (e-mail, LINE) or the JSON document (webhook), exactly as sent on every attempt."""
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
