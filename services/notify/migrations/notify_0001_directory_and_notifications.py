"""The notify service's tables: directory, preferences, webhooks, waiting messages, bulletins, notifications.

Revision ID: notify_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UTCDateTime

revision = "notify_0001"
down_revision = None
branch_labels = ("notify",)
depends_on = "messaging_0001"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notify_recipients",
        sa.Column("company_id", sa.String(80), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("profile_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notify_recipient_fields",
        sa.Column("company_id", sa.String(80), primary_key=True),
        sa.Column("field_id", sa.String(64), primary_key=True),
    )
    op.create_index("ix_notify_recipient_fields_field_id", "notify_recipient_fields", ["field_id"])
    op.create_table(
        "notify_preferences",
        sa.Column("company_id", sa.String(80), primary_key=True),
        sa.Column("channels", sa.JSON(), nullable=True),
        sa.Column("opted_out", sa.JSON(), nullable=False),
        sa.Column("bulletins", sa.String(16), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notify_webhooks",
        sa.Column("agency", sa.String(64), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notify_withdrawn",
        sa.Column("company_id", sa.String(80), primary_key=True),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notify_waiting",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("company_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("source_key", sa.String(300), nullable=False),
        sa.Column("source_event_id", sa.String(256), nullable=False),
        sa.Column("source_event_type", sa.String(256), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("other_company_id", sa.String(80), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source_key", "company_id", name="uq_notify_waiting_source_company"),
    )
    op.create_index("ix_notify_waiting_company_id", "notify_waiting", ["company_id"])
    op.create_index("ix_notify_waiting_created_at", "notify_waiting", ["created_at"])
    op.create_table(
        "notify_bulletins",
        sa.Column("agency", sa.String(64), primary_key=True),
        sa.Column("bulletin_id", sa.String(100), primary_key=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notify_digest_items",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("company_id", sa.String(80), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("bulletin_id", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("digest_id", sa.String(64), nullable=True),
        sa.UniqueConstraint("company_id", "agency", "bulletin_id", name="uq_notify_digest_item"),
    )
    op.create_index("ix_notify_digest_items_company_id", "notify_digest_items", ["company_id"])
    op.create_index("ix_notify_digest_items_digest_id", "notify_digest_items", ["digest_id"])
    op.create_table(
        "notify_notifications",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("notification_id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("company_id", sa.String(80), nullable=True),
        sa.Column("other_company_id", sa.String(80), nullable=True),
        sa.Column("agency", sa.String(64), nullable=True),
        sa.Column("source_event_id", sa.String(256), nullable=False),
        sa.Column("source_event_type", sa.String(256), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("address", sa.String(2000), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("failed_at", UTCDateTime(), nullable=True),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_notify_notifications_due", "notify_notifications", ["status", "next_attempt_at"])
    op.create_index("ix_notify_notifications_company_id", "notify_notifications", ["company_id"])
    op.create_index("ix_notify_notifications_other_company_id", "notify_notifications", ["other_company_id"])


def downgrade() -> None:
    op.drop_table("notify_notifications")
    op.drop_table("notify_digest_items")
    op.drop_table("notify_bulletins")
    op.drop_table("notify_waiting")
    op.drop_table("notify_withdrawn")
    op.drop_table("notify_webhooks")
    op.drop_table("notify_preferences")
    op.drop_table("notify_recipient_fields")
    op.drop_table("notify_recipients")
