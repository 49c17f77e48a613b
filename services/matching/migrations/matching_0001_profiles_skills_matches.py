"""Matching: company profiles (contact apart, to be erasable), skill records, matches and the revision counter.

Revision ID: matching_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UTCDateTime

revision = "matching_0001"
down_revision = None
branch_labels = ("matching",)
depends_on = "messaging_0001"


def upgrade() -> None:
    op.create_table(
        "matching_profiles",
        sa.Column("company_id", sa.String(80), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("matchable", sa.Boolean(), nullable=False),
        sa.Column("share_contact", sa.Boolean(), nullable=False),
        sa.Column("name", sa.JSON(), nullable=True),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("contact_phone", sa.String(40), nullable=True),
        sa.Column("contact_line_id", sa.String(100), nullable=True),
        sa.Column("contact_language", sa.String(2), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("revision", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_matching_profiles_revision", "matching_profiles", ["revision"])
    op.create_table(
        "matching_skills",
        sa.Column("company_id", sa.String(80), primary_key=True),
        sa.Column("skill_id", sa.String(100), primary_key=True),
        sa.Column("holders", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_matching_skills_revision", "matching_skills", ["revision"])
    op.create_table(
        "matching_matches",
        sa.Column("match_id", sa.String(24), primary_key=True),
        sa.Column("company_a", sa.String(80), nullable=False),
        sa.Column("company_b", sa.String(80), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("interpreter_needed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("accepted_a", sa.Boolean(), nullable=False),
        sa.Column("accepted_b", sa.Boolean(), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("revision", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_matching_matches_company_a", "matching_matches", ["company_a"])
    op.create_index("ix_matching_matches_company_b", "matching_matches", ["company_b"])
    op.create_index("ix_matching_matches_revision", "matching_matches", ["revision"])
    op.create_index("ix_matching_matches_open", "matching_matches", ["status", "expires_at"])
    revision_table = op.create_table(
        "matching_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(revision_table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("matching_revision")
    op.drop_index("ix_matching_matches_open", "matching_matches")
    op.drop_index("ix_matching_matches_revision", "matching_matches")
    op.drop_index("ix_matching_matches_company_b", "matching_matches")
    op.drop_index("ix_matching_matches_company_a", "matching_matches")
    op.drop_table("matching_matches")
    op.drop_index("ix_matching_skills_revision", "matching_skills")
    op.drop_table("matching_skills")
    op.drop_index("ix_matching_profiles_revision", "matching_profiles")
    op.drop_table("matching_profiles")
