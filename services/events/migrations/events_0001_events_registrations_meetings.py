"""Events, registrations and the waiting list, check-ins, meeting requests, meetings and their seats, matches.

Revision ID: events_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UTCDateTime

revision = "events_0001"
down_revision = None
branch_labels = ("events",)
depends_on = "messaging_0001"

ACTIVE_REGISTRATION = "status IN ('confirmed', 'waitlisted')"
ACTIVE_REQUEST = "status IN ('pending', 'accepted')"
SCHEDULED = "status = 'scheduled'"


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("venue", sa.JSON(), nullable=True),
        sa.Column("online_url", sa.String(500), nullable=True),
        sa.Column("timezone", sa.String(40), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("attendees_per_registration", sa.Integer(), nullable=False),
        sa.Column("registration_opens_at", UTCDateTime(), nullable=False),
        sa.Column("registration_closes_at", UTCDateTime(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("grid_first_slot_at", UTCDateTime(), nullable=True),
        sa.Column("grid_slot_minutes", sa.Integer(), nullable=True),
        sa.Column("grid_break_minutes", sa.Integer(), nullable=True),
        sa.Column("grid_slots", sa.Integer(), nullable=True),
        sa.Column("grid_tables", sa.Integer(), nullable=True),
        sa.Column("grid_interpreters", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("schedule_due", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_events_schedule_due", "events", ["schedule_due"])

    op.create_table(
        "registrations",
        sa.Column("registration_id", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(80), sa.ForeignKey("events.event_id"), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancel_reason", sa.String(16), nullable=True),
        sa.Column("checked_in_at", UTCDateTime(), nullable=True),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_registrations_company_id", "registrations", ["company_id"])
    op.create_index("ix_registrations_line", "registrations", ["event_id", "status", "sequence"])
    op.create_index(
        "uq_registrations_active_company",
        "registrations",
        ["event_id", "company_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_REGISTRATION),
        postgresql_where=sa.text(ACTIVE_REGISTRATION),
    )

    op.create_table(
        "check_ins",
        sa.Column("event_id", sa.String(80), sa.ForeignKey("events.event_id"), primary_key=True),
        sa.Column("nonce", sa.String(128), primary_key=True),
        sa.Column("registration_id", sa.String(100), sa.ForeignKey("registrations.registration_id"), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=False),
        sa.Column("device", sa.String(100), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_check_ins_registration_id", "check_ins", ["registration_id"])

    op.create_table(
        "meeting_requests",
        sa.Column("request_id", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(80), sa.ForeignKey("events.event_id"), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("match_id", sa.String(100), nullable=True),
        sa.Column("requester_id", sa.String(64), nullable=True),
        sa.Column("invitee_id", sa.String(64), nullable=True),
        sa.Column("invitee_agency", sa.String(64), nullable=True),
        sa.Column("pair_key", sa.String(130), nullable=True),
        sa.Column("interpreter", sa.Boolean(), nullable=False),
        sa.Column("message", sa.String(5000), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_sequence", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.String(40), nullable=True),
    )
    op.create_index("ix_meeting_requests_match_id", "meeting_requests", ["match_id"])
    op.create_index("ix_meeting_requests_requester_id", "meeting_requests", ["requester_id"])
    op.create_index("ix_meeting_requests_invitee_id", "meeting_requests", ["invitee_id"])
    op.create_index("ix_meeting_requests_expires_at", "meeting_requests", ["expires_at"])
    op.create_index("ix_meeting_requests_status", "meeting_requests", ["event_id", "status"])
    op.create_index(
        "uq_meeting_requests_active_pair",
        "meeting_requests",
        ["event_id", "pair_key"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_REQUEST),
        postgresql_where=sa.text(ACTIVE_REQUEST),
    )

    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.String(40), primary_key=True),
        sa.Column("request_id", sa.String(200), sa.ForeignKey("meeting_requests.request_id"), nullable=False),
        sa.Column("event_id", sa.String(80), sa.ForeignKey("events.event_id"), nullable=False),
        sa.Column("company_a", sa.String(64), nullable=True),
        sa.Column("company_b", sa.String(64), nullable=True),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("table_number", sa.Integer(), nullable=False),
        sa.Column("interpreter", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.String(32), nullable=True),
        sa.Column("scheduled_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_meetings_request_id", "meetings", ["request_id"])
    op.create_index("ix_meetings_event_id", "meetings", ["event_id"])
    op.create_index(
        "uq_meetings_table_slot",
        "meetings",
        ["event_id", "slot", "table_number"],
        unique=True,
        sqlite_where=sa.text(SCHEDULED),
        postgresql_where=sa.text(SCHEDULED),
    )

    op.create_table(
        "meeting_seats",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("slot", sa.Integer(), primary_key=True),
        sa.Column("company_id", sa.String(64), primary_key=True),
        sa.Column("meeting_id", sa.String(40), sa.ForeignKey("meetings.meeting_id"), nullable=False),
    )
    op.create_index("ix_meeting_seats_meeting_id", "meeting_seats", ["meeting_id"])

    op.create_table(
        "confirmed_matches",
        sa.Column("match_id", sa.String(100), primary_key=True),
        sa.Column("company_a", sa.String(64), nullable=False),
        sa.Column("company_b", sa.String(64), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_confirmed_matches_company_a", "confirmed_matches", ["company_a"])
    op.create_index("ix_confirmed_matches_company_b", "confirmed_matches", ["company_b"])


def downgrade() -> None:
    for table in ("confirmed_matches", "meeting_seats", "meetings", "meeting_requests", "check_ins", "registrations"):
        op.drop_table(table)
    op.drop_table("events")
