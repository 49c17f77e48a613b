"""The course catalogue's rules: which skills a course teaches, how it may change, and who passed it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from services.training.domain.completions import Completion, Refusal
from shared.contracts.agency.training import CoursePublished, Level
from shared.contracts.common import LocalizedText
from shared.contracts.rejections import Problem

CourseChange = Literal["new", "newer", "same", "older"]


@dataclass(frozen=True, slots=True)
class Course:
    """A course as published, with the agency that owns it."""

    course_id: str
    agency: str
    version: int
    digest: str
    title: LocalizedText
    description: LocalizedText | None
    provider: str
    hours: float
    level: Level
    skills: tuple[str, ...]
    activity_id: str | None
    passing_score: float | None

    @property
    def name(self) -> str:
        """The title in one language, English first: for documents that hold one name."""
        return self.title.en or self.title.th or self.title.ja or self.course_id


def read_course(data: CoursePublished, *, agency: str, known_skills: Collection[str]) -> Course:
    """The course, or a `Refusal` naming each skill the programme's taxonomy does not know."""
    unknown = [
        Problem(field=f"skills.{index}", problem=f"unknown skill {skill!r}: use an id of the skills taxonomy")
        for index, skill in enumerate(data.skills)
        if skill not in known_skills
    ]
    if unknown:
        raise Refusal("The course teaches skills the programme does not know.", unknown)
    content = data.model_dump(mode="json", exclude={"course_version"})
    return Course(
        course_id=data.course_id,
        agency=agency,
        version=data.course_version,
        digest=hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest(),
        title=data.title,
        description=data.description,
        provider=data.provider,
        hours=data.hours,
        level=data.level,
        skills=tuple(dict.fromkeys(data.skills)),
        activity_id=data.activity_id,
        passing_score=data.passing_score,
    )


def course_change(current: Course | None, incoming: Course, *, activity_owner: str | None = None) -> CourseChange:
    """How `incoming` relates to the course as known; a `Refusal` when it may not replace it.

    `activity_owner` is the course that already uses `incoming.activity_id`, if any: one xAPI
    activity can only count for one course.
    """
    if activity_owner is not None and activity_owner != incoming.course_id:
        raise Refusal(
            f"The xAPI activity {incoming.activity_id} already belongs to course {activity_owner}.",
            [Problem(field="activity_id", problem=f"already used by course {activity_owner}")],
        )
    if current is None:
        return "new"
    if current.agency != incoming.agency:
        raise Refusal(
            f"Course {incoming.course_id} belongs to {current.agency}; choose another course id.",
            [Problem(field="course_id", problem=f"already published by {current.agency}")],
        )
    if incoming.version < current.version:
        return "older"
    if incoming.version > current.version:
        return "newer"
    if incoming.digest == current.digest:
        return "same"
    raise Refusal(
        f"Version {incoming.version} of course {incoming.course_id} was already published with different content.",
        [Problem(field="course_version", problem=f"raise it above {current.version} to publish a change")],
    )


def passed(completion: Completion, course: Course) -> bool:
    """Whether the learner passed: as the record says; else by the course's passing score; else yes.

    Completing a course is the bar unless the sender says otherwise (a failed verb, `success:
    false`, `passed: false`) or states a score below the course's passing score.
    """
    if completion.verdict is not None:
        return completion.verdict
    score = completion.score.percent if completion.score else None
    if course.passing_score is not None and score is not None:
        return score >= course.passing_score
    return True
