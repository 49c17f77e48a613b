"""Skill aggregation: each learner counted once per skill, at the highest level they reached."""

from __future__ import annotations

from datetime import UTC, datetime

from services.training.domain.skills import CompanySkill, SkillCounts, SkillGain, skill_gains, skill_record_updated
from shared.contracts.agency.training import Level
from tests.unit.training.builders import SKILLS, course

NOW = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)


class Company:
    """A company's staff passing courses, folded with the domain's own rules (as the store applies them)."""

    def __init__(self) -> None:
        self.learners: dict[str, dict[str, Level]] = {}
        self.counts: dict[str, SkillCounts] = {}
        self.changes: list[SkillGain] = []

    def passes(self, learner: str, skills: list[str], level: Level) -> tuple[SkillGain, ...]:
        held = self.learners.setdefault(learner, {})
        gains = skill_gains(held, skills, level)
        for gain in gains:
            held[gain.skill_id] = gain.level
            self.counts[gain.skill_id] = self.counts.get(gain.skill_id, SkillCounts()).after(gain)
        self.changes.extend(gains)
        return gains


def test_each_learner_who_passes_is_one_more_holder() -> None:
    company = Company()
    company.passes("a", ["food_safety_haccp", "food_hygiene"], "intermediate")
    company.passes("b", ["food_safety_haccp"], "introductory")
    assert company.counts["food_safety_haccp"] == SkillCounts(introductory=1, intermediate=1)
    assert company.counts["food_safety_haccp"].holders == 2
    assert company.counts["food_hygiene"] == SkillCounts(intermediate=1)


def test_a_second_course_teaching_the_same_skill_does_not_count_the_learner_twice() -> None:
    company = Company()
    company.passes("a", ["food_safety_haccp"], "intermediate")
    assert company.passes("a", ["food_safety_haccp", "food_hygiene"], "intermediate") == (
        SkillGain("food_hygiene", "intermediate"),
    )
    assert company.passes("a", ["food_safety_haccp"], "introductory") == (), "a lower level changes nothing"
    assert company.counts["food_safety_haccp"] == SkillCounts(intermediate=1)


def test_a_higher_level_moves_the_learner_up_instead_of_adding_a_holder() -> None:
    company = Company()
    company.passes("a", ["lean_manufacturing"], "introductory")
    company.passes("b", ["lean_manufacturing"], "introductory")
    [gain] = company.passes("a", ["lean_manufacturing"], "advanced")
    assert gain == SkillGain("lean_manufacturing", "advanced", previous="introductory")
    assert company.counts["lean_manufacturing"] == SkillCounts(introductory=1, advanced=1)
    assert company.counts["lean_manufacturing"].holders == 2


def test_the_order_of_completions_does_not_change_the_outcome() -> None:
    forwards, backwards = Company(), Company()
    attempts: list[tuple[str, list[str], Level]] = [
        ("a", ["iot_smart_factory"], "advanced"),
        ("a", ["iot_smart_factory"], "introductory"),
        ("b", ["iot_smart_factory"], "intermediate"),
        ("b", ["iot_smart_factory"], "advanced"),
    ]
    for attempt in attempts:
        forwards.passes(*attempt)
    for attempt in reversed(attempts):
        backwards.passes(*attempt)
    assert forwards.counts == backwards.counts == {"iot_smart_factory": SkillCounts(advanced=2)}


def test_the_event_carries_the_company_level_record_only() -> None:
    haccp = course()
    record = CompanySkill("th-0105551234567", "food_safety_haccp", SkillCounts(2, 1, 0), revision=4, updated_at=NOW)
    event = skill_record_updated(record, SKILLS["food_safety_haccp"], haccp)
    assert event.model_dump(mode="json") == {
        "company_id": "th-0105551234567",
        "skill_id": "food_safety_haccp",
        "skill": {"en": "Food safety (HACCP)", "th": "ความปลอดภัยอาหาร (HACCP)", "ja": "食品安全（HACCP）"},
        "esco_uri": "http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350",
        "holders": 3,
        "levels": {"introductory": 2, "intermediate": 1, "advanced": 0},
        "course_id": "c-haccp-101",
        "updated_at": "2026-11-26T03:15:00Z",
        "revision": 4,
        "course": {
            "en": "HACCP for seafood processors",
            "th": "HACCP สำหรับผู้แปรรูปอาหารทะเล",
            "ja": "水産加工業者のためのHACCP",
        },
    }


def test_one_event_id_per_company_skill_and_revision() -> None:
    first = CompanySkill("th-0105551234567", "welding", SkillCounts(1), revision=1, updated_at=NOW)
    again = CompanySkill("th-0105551234567", "welding", SkillCounts(1), revision=1, updated_at=datetime.now(UTC))
    later = CompanySkill("th-0105551234567", "welding", SkillCounts(2), revision=2, updated_at=NOW)
    assert first.event_id == again.event_id != later.event_id
