"""The matching service's tables: profiles (contact in columns of its own), skill records, matches, the revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, Boolean, Float, Integer, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.storage.types import UTCDateTime


class MatchingBase(DeclarativeBase):
    pass


class ProfileRow(MatchingBase):
    """A company's latest profile: the matching view, and its contact (personal data) in columns of its own."""

    __tablename__ = "matching_profiles"

    company_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    """`active` or `withdrawn`."""
    matchable: Mapped[bool] = mapped_column(Boolean)
    share_contact: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    """What matching compares (`domain.profiles.to_record`): no personal data."""
    contact_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    contact_line_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact_language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revision: Mapped[int] = mapped_column(BigInteger, index=True)


class SkillRow(MatchingBase):
    """A company's record for one skill, as the training service last reported it."""

    __tablename__ = "matching_skills"

    company_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    holders: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(BigInteger, index=True)


class MatchRow(MatchingBase):
    """A proposed pair and where it stands."""

    __tablename__ = "matching_matches"

    match_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    company_a: Mapped[str] = mapped_column(String(80), index=True)
    company_b: Mapped[str] = mapped_column(String(80), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    interpreter_needed: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    accepted_a: Mapped[bool] = mapped_column(Boolean)
    accepted_b: Mapped[bool] = mapped_column(Boolean)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revision: Mapped[int] = mapped_column(BigInteger, index=True)


class RevisionRow(MatchingBase):
    """The one-row counter of matching transactions."""

    __tablename__ = "matching_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


PROFILES = cast(Table, ProfileRow.__table__)
SKILLS = cast(Table, SkillRow.__table__)
MATCHES = cast(Table, MatchRow.__table__)
