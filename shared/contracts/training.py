"""What the training service publishes: a company's verified skills, without learners' personal data."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Part
from shared.contracts.common import CompanyId, LocalizedText


class SkillLevels(Part):
    """How many of a company's staff hold a skill, by the level of the course that taught it."""

    introductory: int = Field(default=0, description="Staff at introductory level.", examples=[2], ge=0)
    intermediate: int = Field(default=0, description="Staff at intermediate level.", examples=[1], ge=0)
    advanced: int = Field(default=0, description="Staff at advanced level.", examples=[0], ge=0)


class SkillRecordUpdated(Contract):
    """A company's record for one skill changed: a verified capability matching can rely on."""

    subject = "collab.training.skill_record.updated.v1"

    company_id: CompanyId = Field(description="The company.", examples=["th-0105551234567"])
    skill_id: str = Field(description="The skill (taxonomy id).", examples=["food_safety_haccp"])
    skill: LocalizedText = Field(
        description="The skill's name.",
        examples=[{"en": "Food safety (HACCP)", "th": "ความปลอดภัยอาหาร (HACCP)", "ja": "食品安全（HACCP）"}],
    )
    esco_uri: str | None = Field(
        default=None,
        description="The ESCO skill, where one exists.",
        examples=["http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350"],
    )
    holders: int = Field(description="Staff who now hold the skill.", examples=[3], ge=0)
    levels: SkillLevels = Field(
        description="Holders by level.", examples=[{"introductory": 2, "intermediate": 1, "advanced": 0}]
    )
    course_id: str | None = Field(
        default=None,
        description="The course whose completion changed the record, if one did.",
        examples=["c-haccp-101"],
    )
    updated_at: AwareDatetime = Field(description="When.", examples=["2026-11-26T03:15:00Z"])
    revision: int | None = Field(
        default=None,
        ge=1,
        description="Counts the changes of this company's record for this skill, from 1: when events arrive out "
        "of order, keep the one with the highest revision.",
        examples=[4],
    )
    course: LocalizedText | None = Field(
        default=None,
        description="The title of the course whose completion changed the record, if one did.",
        examples=[
            {
                "en": "HACCP for seafood processors",
                "th": "HACCP สำหรับผู้แปรรูปอาหารทะเล",
                "ja": "水産加工業者のためのHACCP",
            }
        ],
    )
