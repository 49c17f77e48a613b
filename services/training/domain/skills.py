"""Skill records: what a learner holds, and how many of a company's staff hold each skill at which level.

A learner holds a skill at the highest level of any course they passed that teaches it. A
company's record counts each learner once per skill, under that highest level: a second course
teaching the same skill changes nothing unless its level is higher, and then the learner moves
up a level rather than being counted again. A failed attempt records no skill.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from services.training.domain.courses import Course
from shared.contracts.agency.training import Level
from shared.contracts.common import LocalizedText
from shared.contracts.training import SkillLevels, SkillRecordUpdated
from shared.taxonomy import Skill

LEVELS: tuple[Level, ...] = ("introductory", "intermediate", "advanced")
_EVENTS = uuid.UUID("6f1c2a9e-4b3d-4e8f-9a7c-2d5b8e1f0c34")


def rank(level: Level) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True, slots=True)
class SkillGain:
    """A learner gained a skill, or reached a higher level of one they held."""

    skill_id: str
    level: Level
    previous: Level | None = None


def skill_gains(held: Mapping[str, Level], skills: Iterable[str], level: Level) -> tuple[SkillGain, ...]:
    """What passing a course at `level` teaching `skills` adds to a learner who holds `held`."""
    gains = []
    for skill in dict.fromkeys(skills):
        before = held.get(skill)
        if before is None or rank(level) > rank(before):
            gains.append(SkillGain(skill, level, before))
    return tuple(gains)


@dataclass(frozen=True, slots=True)
class SkillCounts:
    """How many of a company's staff hold one skill, by level."""

    introductory: int = 0
    intermediate: int = 0
    advanced: int = 0

    @property
    def holders(self) -> int:
        return self.introductory + self.intermediate + self.advanced

    def after(self, gain: SkillGain) -> SkillCounts:
        """The counts once `gain` is recorded: one more holder, or one holder a level up."""
        changes = delta(gain)
        return replace(self, **{level: getattr(self, level) + change for level, change in changes.items()})


def delta(gain: SkillGain) -> dict[Level, int]:
    """The change `gain` makes to a company's counts, level by level."""
    changes: dict[Level, int] = {gain.level: 1}
    if gain.previous is not None:
        changes[gain.previous] = -1
    return changes


@dataclass(frozen=True, slots=True)
class CompanySkill:
    """A company's record for one skill, after a change: the counts and how many changes it has seen."""

    company_id: str
    skill_id: str
    counts: SkillCounts
    revision: int
    updated_at: datetime

    @property
    def event_id(self) -> str:
        """One id per (company, skill, revision): the change is announced once, however often it is relayed."""
        return str(uuid.uuid5(_EVENTS, f"{self.company_id}:{self.skill_id}:{self.revision}"))


def skill_record_updated(record: CompanySkill, skill: Skill | None, course: Course | None) -> SkillRecordUpdated:
    """The company-level change, for matching and notify: counts only, no learner."""
    label = (
        LocalizedText(en=skill.label.en, th=skill.label.th, ja=skill.label.ja)
        if skill is not None
        else LocalizedText(en=record.skill_id)  # a skill an operator's file no longer lists
    )
    return SkillRecordUpdated(
        company_id=record.company_id,
        skill_id=record.skill_id,
        skill=label,
        esco_uri=skill.esco if skill is not None else None,
        holders=record.counts.holders,
        levels=SkillLevels(
            introductory=record.counts.introductory,
            intermediate=record.counts.intermediate,
            advanced=record.counts.advanced,
        ),
        course_id=course.course_id if course is not None else None,
        updated_at=record.updated_at,
        revision=record.revision,
        course=course.title if course is not None else None,
    )
