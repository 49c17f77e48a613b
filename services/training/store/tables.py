"""The training service's tables: personal data (learners' records) apart from anonymous aggregates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.storage.types import UTCDateTime

KEY = 300
"""Longest record key: `record:<agency>:<record id>`."""
LEARNER = 512
"""Longest learner key: `account:<home page> <name>`."""


class TrainingBase(DeclarativeBase):
    pass


class CourseRow(TrainingBase):
    """A course of the catalogue, as last published."""

    __tablename__ = "courses"

    course_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    provider: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(16))
    skills: Mapped[list[str]] = mapped_column(JSON)
    passing_score: Mapped[float | None] = mapped_column(Float)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordRow(TrainingBase):
    """Every completion record ever received, by statement or record id: what makes a resend a no-op.

    Kept after erasure without the learner (`learner_key` null), so that a resent statement
    neither brings the personal data back nor escapes the conflict check.
    """

    __tablename__ = "completion_records"

    record_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    company_id: Mapped[str] = mapped_column(String(64))
    learner_key: Mapped[str | None] = mapped_column(String(LEARNER))
    state: Mapped[str] = mapped_column(String(16))
    """`applied`, `held` (waiting for its course) or `erased`."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_completion_records_learner", "company_id", "learner_key"),)


class HeldCompletionRow(TrainingBase):
    """A completion whose course is not published yet (personal data), applied when the course arrives."""

    __tablename__ = "held_completions"

    record_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(64))
    learner_key: Mapped[str] = mapped_column(String(LEARNER))
    course_id: Mapped[str | None] = mapped_column(String(128), index=True)
    activity_id: Mapped[str | None] = mapped_column(String(2048), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completion: Mapped[dict[str, object]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_held_completions_learner", "company_id", "learner_key"),)


class CompletionRow(TrainingBase):
    """A learner's attempt at a course, passed or failed (personal data)."""

    __tablename__ = "completions"

    record_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(64))
    learner_key: Mapped[str] = mapped_column(String(LEARNER))
    course_id: Mapped[str] = mapped_column(String(128))
    passed: Mapped[bool] = mapped_column(Boolean)
    score_percent: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_completions_learner", "company_id", "learner_key"),)


class LearnerSkillRow(TrainingBase):
    """A skill a learner holds, at the highest level they reached (personal data)."""

    __tablename__ = "learner_skills"

    company_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_key: Mapped[str] = mapped_column(String(LEARNER), primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    course_id: Mapped[str] = mapped_column(String(128))
    achieved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CredentialRow(TrainingBase):
    """An Open Badges 3.0 credential issued to a learner (personal data)."""

    __tablename__ = "credentials"

    credential_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(KEY))
    company_id: Mapped[str] = mapped_column(String(64))
    learner_key: Mapped[str] = mapped_column(String(LEARNER))
    course_id: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (Index("ix_credentials_learner", "learner_key", "company_id"),)


class CompanySkillRow(TrainingBase):
    """How many of a company's staff hold a skill, by level: the aggregate matching relies on."""

    __tablename__ = "company_skills"

    company_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    introductory: Mapped[int] = mapped_column(Integer)
    intermediate: Mapped[int] = mapped_column(Integer)
    advanced: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CourseAttemptRow(TrainingBase):
    """One attempt at a course, passed or failed, without the learner: anonymous, never erased.

    Appended, never updated, so that replicas recording attempts at the same course never wait
    for each other; the programme's counts are sums over these rows.
    """

    __tablename__ = "course_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(128), index=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SkillAwardRow(TrainingBase):
    """Someone gained a skill, or a higher level of it, without who or where: anonymous, never erased."""

    __tablename__ = "skill_awards"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str | None] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WithdrawnCompanyRow(TrainingBase):
    """A company that left the programme: its learners' completions are refused until it registers again."""

    __tablename__ = "withdrawn_companies"

    company_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
