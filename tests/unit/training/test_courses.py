"""The course catalogue's rules: known skills only, versions, ownership, and who passed."""

from __future__ import annotations

from typing import Any

import pytest

from services.training.domain.completions import Refusal
from services.training.domain.courses import course_change, passed
from tests.unit.training.builders import completion, course, simple_payload, xapi_payload


def test_a_course_teaching_an_unknown_skill_is_refused_naming_each() -> None:
    with pytest.raises(Refusal) as refused:
        course(skills=["food_safety_haccp", "underwater_welding", "alchemy"])
    assert [(p.field, p.problem.split(":")[0]) for p in refused.value.problems] == [
        ("skills.1", "unknown skill 'underwater_welding'"),
        ("skills.2", "unknown skill 'alchemy'"),
    ]


def test_a_skill_listed_twice_counts_once() -> None:
    assert course(skills=["food_hygiene", "food_hygiene"]).skills == ("food_hygiene",)


def test_versions_newer_replace_older_are_ignored_and_the_same_version_must_not_change() -> None:
    v2 = course(course_version=2)
    assert course_change(None, v2) == "new"
    assert course_change(v2, course(course_version=3, hours=20)) == "newer"
    assert course_change(v2, course(course_version=1, hours=99)) == "older"
    assert course_change(v2, course(course_version=2)) == "same"
    with pytest.raises(Refusal) as refused:
        course_change(v2, course(course_version=2, hours=20))
    assert refused.value.problems[0].field == "course_version"


def test_a_course_belongs_to_the_agency_that_published_it_first() -> None:
    with pytest.raises(Refusal, match="belongs to jp-mie"):
        course_change(course(agency="jp-mie"), course(agency="th-dip", course_version=2))


def test_an_xapi_activity_counts_for_one_course_only() -> None:
    with pytest.raises(Refusal) as refused:
        course_change(None, course(course_id="c-other"), activity_owner="c-haccp-101")
    assert refused.value.problems[0].field == "activity_id"
    assert course_change(None, course(), activity_owner="c-haccp-101") == "new"


def test_the_record_decides_then_the_passing_score_then_completing_is_enough() -> None:
    strict = course(passing_score=70)
    assert passed(completion(simple_payload(passed=False, score=95)), strict) is False
    assert passed(completion(simple_payload(passed=True, score=10)), strict) is True
    assert passed(completion(simple_payload(score=69.5)), strict) is False
    assert passed(completion(simple_payload(score=70)), strict) is True
    assert passed(completion(simple_payload(score=None)), strict) is True, "no score: completing is the bar"
    assert passed(completion(simple_payload(score=5)), course()) is True, "no passing score: completing is the bar"
    completed: dict[str, Any] = {"verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}
    assert passed(completion(xapi_payload(**completed, result={"score": {"scaled": 0.6}})), strict) is False
    assert passed(completion(xapi_payload(**completed, result={"score": {"raw": 35, "min": 0, "max": 50}})), strict)
    assert (
        passed(completion(xapi_payload(verb={"id": "http://adlnet.gov/expapi/verbs/failed"}, result=None)), course())
        is False
    )
