"""Small builders for the training tests: xAPI statements, simple completions, courses."""

from __future__ import annotations

import copy
from typing import Any

from services.training.domain.completions import Completion, read_completion
from services.training.domain.courses import Course, read_course
from shared.contracts.agency.training import CompletionRecorded, CoursePublished
from shared.taxonomy import load_skills

COMPANY = "th-0105551234567"
ACTIVITY = "https://lms.mie-iri.example.jp/xapi/activities/course/haccp-101"
STATEMENT_ID = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
SKILLS = load_skills()


def statement(**changes: Any) -> dict[str, Any]:
    """An xAPI statement as an LMS sends it (passed, with a scaled score); `changes` replace top-level parts."""
    base: dict[str, Any] = {
        "id": STATEMENT_ID,
        "actor": {"objectType": "Agent", "name": "Somchai Prasert", "mbox": "mailto:somchai@example.co.th"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITY,
            "definition": {
                "name": {"en-US": "HACCP for seafood processors"},
                "type": "http://adlnet.gov/expapi/activities/course",
            },
        },
        "result": {"score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100}, "success": True, "completion": True},
        "timestamp": "2026-11-20T09:30:00+07:00",
    }
    base.update(copy.deepcopy(changes))
    return base


def xapi_payload(company_id: str = COMPANY, **changes: Any) -> dict[str, Any]:
    return {"company_id": company_id, "statement": statement(**changes)}


def simple_payload(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "company_id": COMPANY,
        "learner_id": "EMP-0042",
        "course_id": "c-haccp-101",
        "completed_at": "2026-11-20T09:30:00+07:00",
        "score": 85,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def completion(payload: dict[str, Any], agency: str = "jp-mie") -> Completion:
    return read_completion(CompletionRecorded.model_validate(payload), agency=agency)


def course_payload(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "course_id": "c-haccp-101",
        "title": {
            "en": "HACCP for seafood processors",
            "th": "HACCP สำหรับผู้แปรรูปอาหารทะเล",
            "ja": "水産加工業者のためのHACCP",
        },
        "provider": "Mie Prefecture Industrial Research Institute",
        "hours": 16,
        "level": "intermediate",
        "skills": ["food_safety_haccp", "food_hygiene"],
        "activity_id": ACTIVITY,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def course(agency: str = "jp-mie", **changes: Any) -> Course:
    return read_course(
        CoursePublished.model_validate(course_payload(**changes)), agency=agency, known_skills=SKILLS.entries
    )
