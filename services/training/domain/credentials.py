"""Open Badges 3.0 credentials: one per passed completion, aligned to the skills the course teaches.

The document has the shape of an `OpenBadgeCredential` (1EdTech Open Badges 3.0, on the W3C
Verifiable Credentials data model 2.0): issuer, validFrom, and a credentialSubject holding the
achievement (the course, aligned to ESCO skills where the taxonomy has a URI, else to the
programme's own skill ids) and the result. It is not signed: no proof is attached (see docs/training.md).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

from services.training.domain.completions import Completion
from services.training.domain.courses import Course
from shared.taxonomy import Skill

Json: TypeAlias = dict[str, "Json"] | list["Json"] | str | int | float | bool | None

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
_CREDENTIALS = uuid.UUID("a3c5e7f9-1b2d-4f6a-8c0e-9d7b5a3c1e2f")
ESCO = "ESCO (European Skills, Competences, Qualifications and Occupations)"
PROGRAMME_SKILLS = "Thailand–Mie collaboration programme skills"


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who issues the credentials: the programme, as an Open Badges issuer profile."""

    id: str
    name: str
    url: str | None = None

    def profile(self) -> Json:
        profile: dict[str, Json] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        return profile


def credential_id(record_key: str) -> str:
    """The credential's id, derived from the completion's, so that it is issued once."""
    return f"urn:uuid:{uuid.uuid5(_CREDENTIALS, record_key)}"


def achievement_id(course: Course) -> str:
    return f"urn:collab:course:{course.course_id}"


def open_badge(
    completion: Completion,
    course: Course,
    *,
    skills: Mapping[str, Skill],
    issuer: Issuer,
    salt: str,
    issued_at: datetime,
) -> dict[str, Json]:
    """The credential for a passed completion; `salt` hides the learner's identifier in the document."""
    achievement = achievement_id(course)
    status_id, score_id = f"{achievement}:result:status", f"{achievement}:result:score"
    descriptions: list[Json] = [
        {"id": status_id, "type": ["ResultDescription"], "name": "Status", "resultType": "Status"},
    ]
    results: list[Json] = [{"type": ["Result"], "resultDescription": status_id, "status": "Completed"}]
    percent = completion.score.percent if completion.score else None
    if percent is not None:
        score: dict[str, Json] = {
            "id": score_id,
            "type": ["ResultDescription"],
            "name": "Score",
            "resultType": "Percent",
        }
        if course.passing_score is not None:
            score["requiredValue"] = _number(course.passing_score)
        descriptions.append(score)
        results.append({"type": ["Result"], "resultDescription": score_id, "value": _number(percent)})
    description = course.description or course.title
    return {
        "@context": [*CONTEXT],
        "id": credential_id(completion.record_key),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": course.name,
        "issuer": issuer.profile(),
        "validFrom": _iso(issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identity(completion, salt)],
            "activityEndDate": _iso(completion.completed_at),
            "achievement": {
                "id": achievement,
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": course.name,
                "description": description.en or description.th or description.ja or course.name,
                "criteria": {"narrative": _criteria(course)},
                "creator": {"id": f"urn:collab:agency:{course.agency}", "type": ["Profile"], "name": course.provider},
                "humanCode": course.course_id,
                "alignment": [_alignment(skill_id, skills.get(skill_id)) for skill_id in course.skills],
                "resultDescription": descriptions,
            },
            "result": results,
        },
    }


def _alignment(skill_id: str, skill: Skill | None) -> Json:
    name = skill.label.en if skill is not None else skill_id
    if skill is not None and skill.esco:
        return {
            "type": ["Alignment"],
            "targetName": name,
            "targetUrl": skill.esco,
            "targetCode": skill.esco.rsplit("/", 1)[-1],
            "targetFramework": ESCO,
            "targetType": "ceasn:Competency",
        }
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": f"urn:collab:skill:{skill_id}",
        "targetCode": skill_id,
        "targetFramework": PROGRAMME_SKILLS,
        "targetType": "ceasn:Competency",
    }


def _identity(completion: Completion, salt: str) -> Json:
    """Open Badges' IdentityObject: the e-mail address or the learner's key, hashed with the salt."""
    if completion.email is not None:
        identity, kind = completion.email, "emailAddress"
    else:
        identity, kind = completion.learner.key, "identifier"
    digest = hashlib.sha256((identity + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": kind,
        "hashed": True,
        "salt": salt,
    }


def _criteria(course: Course) -> str:
    bar = f" with a score of at least {_number(course.passing_score)} %" if course.passing_score is not None else ""
    return f"Completed the {course.level}-level course {course.name} ({_number(course.hours)} hours){bar}."


def _number(value: float) -> str:
    return f"{value:g}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
