"""Open Badges 3.0 credentials: issuer, achievement aligned to ESCO skills, the learner hidden behind a salted hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from services.training.domain.credentials import ESCO, PROGRAMME_SKILLS, Issuer, credential_id, open_badge
from tests.unit.training.builders import SKILLS, completion, course, simple_payload, xapi_payload

ISSUER = Issuer(id="https://kakehashi.example.go.th/issuer", name="Thailand–Mie Industrial Collaboration Programme")
ISSUED = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)


def badge(*args: Any, **kwargs: Any) -> Any:
    """The credential as a reader of the JSON sees it."""
    return json.loads(json.dumps(open_badge(*args, **kwargs)))


def test_a_credential_has_the_shape_of_an_open_badge_credential() -> None:
    passed = completion(xapi_payload())
    document = badge(
        passed, course(passing_score=70), skills=SKILLS.entries, issuer=ISSUER, salt="s4lt", issued_at=ISSUED
    )
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == credential_id(passed.record_key)
    assert str(document["id"]).startswith("urn:uuid:")
    assert document["issuer"] == {"id": ISSUER.id, "type": ["Profile"], "name": ISSUER.name}
    assert document["validFrom"] == "2026-11-26T03:15:00Z"
    assert document["name"] == "HACCP for seafood processors"
    subject = document["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["activityEndDate"] == "2026-11-20T02:30:00Z"
    achievement = subject["achievement"]
    assert achievement["id"] == "urn:collab:course:c-haccp-101"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Course"
    assert achievement["creator"] == {
        "id": "urn:collab:agency:jp-mie",
        "type": ["Profile"],
        "name": "Mie Prefecture Industrial Research Institute",
    }
    assert "at least 70 %" in str(achievement["criteria"])
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": "urn:collab:course:c-haccp-101:result:status", "status": "Completed"},
        {"type": ["Result"], "resultDescription": "urn:collab:course:c-haccp-101:result:score", "value": "85"},
    ]


def test_the_achievement_is_aligned_to_each_skill_with_its_esco_uri() -> None:
    document = badge(
        completion(xapi_payload()),
        course(skills=["food_safety_haccp", "thai_business_communication"]),
        skills=SKILLS.entries,
        issuer=ISSUER,
        salt="s",
        issued_at=ISSUED,
    )
    subject = document["credentialSubject"]
    achievement = subject["achievement"]
    haccp, thai = achievement["alignment"]
    assert haccp == {
        "type": ["Alignment"],
        "targetName": "Food safety (HACCP)",
        "targetUrl": "http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350",
        "targetCode": "5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350",
        "targetFramework": ESCO,
        "targetType": "ceasn:Competency",
    }
    assert thai["targetUrl"] == "urn:collab:skill:thai_business_communication", "ESCO has no such skill"
    assert thai["targetFramework"] == PROGRAMME_SKILLS


def test_the_learner_is_identified_by_a_salted_hash_that_the_learner_can_check() -> None:
    document = badge(
        completion(xapi_payload()), course(), skills=SKILLS.entries, issuer=ISSUER, salt="pepper", issued_at=ISSUED
    )
    subject = document["credentialSubject"]
    [identity] = subject["identifier"]
    expected = hashlib.sha256(b"somchai@example.co.thpepper").hexdigest()
    assert identity == {
        "type": "IdentityObject",
        "identityHash": f"sha256${expected}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "pepper",
    }
    assert "somchai" not in str(document)


def test_a_simple_form_learner_is_identified_by_their_id_and_a_result_without_score_has_status_only() -> None:
    document = badge(
        completion(simple_payload(score=None)),
        course(),
        skills=SKILLS.entries,
        issuer=ISSUER,
        salt="x",
        issued_at=ISSUED,
    )
    subject = document["credentialSubject"]
    [identity] = subject["identifier"]
    assert identity["identityType"] == "identifier"
    assert identity["identityHash"] == "sha256$" + hashlib.sha256(b"id:EMP-0042x").hexdigest()
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": "urn:collab:course:c-haccp-101:result:status", "status": "Completed"}
    ]


def test_one_completion_one_credential_id() -> None:
    assert credential_id("xapi:a") == credential_id("xapi:a") != credential_id("xapi:b")
