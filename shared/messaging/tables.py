"""The outbox and inbox tables that every service's database holds next to its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.storage.types import UTCDateTime


class MessagingBase(DeclarativeBase):
    pass


class OutboxRow(MessagingBase):
    """An event written with a state change, waiting for the relay to publish it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(256))
    subject: Mapped[str] = mapped_column(String(512))
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """A relay's lease: rows claimed by a relay that died become publishable again after it."""
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class InboxRow(MessagingBase):
    """An event a consumer has processed, recorded in the same transaction as its effects."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
