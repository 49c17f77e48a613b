"""The training service's tables: courses, completion records, skill records, credentials, aggregates.

Revision ID: training_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UTCDateTime

revision = "training_0001"
down_revision = None
branch_labels = ("training",)
depends_on = "messaging_0001"

_KEY = 300
_LEARNER = 512


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("course_id", sa.String(128), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("activity_id", sa.String(2048), nullable=True, unique=True),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("passing_score", sa.Float(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "completion_records",
        sa.Column("record_key", sa.String(_KEY), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("learner_key", sa.String(_LEARNER), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_completion_records_learner", "completion_records", ["company_id", "learner_key"])
    op.create_table(
        "held_completions",
        sa.Column("record_key", sa.String(_KEY), primary_key=True),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("learner_key", sa.String(_LEARNER), nullable=False),
        sa.Column("course_id", sa.String(128), nullable=True),
        sa.Column("activity_id", sa.String(2048), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.Column("completion", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_held_completions_course_id", "held_completions", ["course_id"])
    op.create_index("ix_held_completions_activity_id", "held_completions", ["activity_id"])
    op.create_index("ix_held_completions_learner", "held_completions", ["company_id", "learner_key"])
    op.create_table(
        "completions",
        sa.Column("record_key", sa.String(_KEY), primary_key=True),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("learner_key", sa.String(_LEARNER), nullable=False),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("score_percent", sa.Float(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_completions_learner", "completions", ["company_id", "learner_key"])
    op.create_table(
        "learner_skills",
        sa.Column("company_id", sa.String(64), primary_key=True),
        sa.Column("learner_key", sa.String(_LEARNER), primary_key=True),
        sa.Column("skill_id", sa.String(64), primary_key=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("achieved_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("record_key", sa.String(_KEY), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("learner_key", sa.String(_LEARNER), nullable=False),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_index("ix_credentials_learner", "credentials", ["learner_key", "company_id"])
    op.create_table(
        "company_skills",
        sa.Column("company_id", sa.String(64), primary_key=True),
        sa.Column("skill_id", sa.String(64), primary_key=True),
        sa.Column("introductory", sa.Integer(), nullable=False),
        sa.Column("intermediate", sa.Integer(), nullable=False),
        sa.Column("advanced", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "course_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("course_id", sa.String(128), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_course_attempts_course_id", "course_attempts", ["course_id"])
    op.create_table(
        "skill_awards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("skill_id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("previous", sa.String(16), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_skill_awards_skill_id", "skill_awards", ["skill_id"])
    op.create_table(
        "withdrawn_companies",
        sa.Column("company_id", sa.String(64), primary_key=True),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "withdrawn_companies",
        "skill_awards",
        "course_attempts",
        "company_skills",
        "credentials",
        "learner_skills",
        "completions",
        "held_completions",
        "completion_records",
        "courses",
    ):
        op.drop_table(table)
