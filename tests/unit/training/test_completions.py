"""Reading completions: real-world xAPI statement shapes accepted, malformed ones refused field by field,
and the idempotency rules for statement ids and simple records."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.training.domain.completions import (
    Refusal,
    completion_from_json,
    completion_to_json,
    is_repeat,
    learner_key,
)
from shared.contracts.agency.training import CompletionRecorded, Learner
from shared.messaging.errors import problems_from
from tests.unit.training.builders import (
    ACTIVITY,
    COMPANY,
    STATEMENT_ID,
    completion,
    simple_payload,
    statement,
    xapi_payload,
)

SOMCHAI_SHA1 = hashlib.sha1(b"mailto:somchai@example.co.th").hexdigest()


def told(payload: dict[str, Any]) -> dict[str, str]:
    """What the agency is told about a refused completion: problem by field (as the consumer reports it)."""
    try:
        completion(payload)
    except ValidationError as error:
        problems = problems_from(error)
    except Refusal as refusal:
        problems = refusal.problems
    else:
        raise AssertionError("the completion was accepted")
    return {problem.field: problem.problem for problem in problems}


# --- Real-world shapes -----------------------------------------------------------------------


def test_a_passed_statement_with_an_mbox_and_a_scaled_score() -> None:
    recorded = completion(xapi_payload())
    assert recorded.record_key == f"xapi:{STATEMENT_ID}"
    assert recorded.learner.company_id == COMPANY
    assert recorded.learner.key == f"sha1:{SOMCHAI_SHA1}", "the stored key spells out no e-mail address"
    assert recorded.email == "somchai@example.co.th"
    assert recorded.activity_id == ACTIVITY
    assert recorded.course_id is None
    assert recorded.verdict is True
    assert recorded.score is not None
    assert recorded.score.percent == pytest.approx(85)
    assert recorded.completed_at == datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    assert recorded.form == "xapi"


def test_a_moodle_style_completed_statement_with_an_account_and_no_result() -> None:
    recorded = completion(
        xapi_payload(
            actor={"name": "Yuki Tanaka", "account": {"homePage": "https://lms.mie-iri.example.jp", "name": "2093"}},
            verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed", "ja": "完了"}},
            object={"id": ACTIVITY},
            result=None,
        )
    )
    assert recorded.learner.key == "account:https://lms.mie-iri.example.jp 2093"
    assert recorded.verdict is None, "completed without success: the course's rule decides"
    assert recorded.score is None
    assert recorded.email is None


def test_mbox_in_any_case_and_mbox_sha1sum_name_the_same_learner() -> None:
    by_address = completion(xapi_payload(actor={"mbox": "mailto:Somchai@Example.co.th"}))
    by_hash = completion(xapi_payload(actor={"mbox_sha1sum": SOMCHAI_SHA1.upper()}))
    assert by_address.learner == by_hash.learner
    assert learner_key(Learner(mbox="mailto:somchai@example.co.th")) == by_address.learner.key


def test_an_openid_actor() -> None:
    assert completion(xapi_payload(actor={"openid": "https://openid.example.org/u/42"})).learner.key == (
        "openid:https://openid.example.org/u/42"
    )


def test_a_failed_statement_with_a_raw_score_and_its_range() -> None:
    recorded = completion(
        xapi_payload(
            verb={"id": "http://adlnet.gov/expapi/verbs/failed"},
            result={"score": {"raw": 28, "min": 0, "max": 70}, "success": False, "completion": True},
        )
    )
    assert recorded.verdict is False
    assert recorded.score is not None
    assert recorded.score.percent == pytest.approx(40)
    assert recorded.score.raw == 28


def test_a_raw_score_without_its_range_is_kept_but_not_turned_into_a_percentage() -> None:
    recorded = completion(xapi_payload(result={"score": {"raw": 17}}))
    assert recorded.score is not None
    assert recorded.score.raw == 17
    assert recorded.score.percent is None


@pytest.mark.parametrize(
    "verb",
    [
        "http://adlnet.gov/expapi/verbs/passed",
        "http://adlnet.gov/expapi/verbs/mastered",
        "https://w3id.org/xapi/adl/verbs/satisfied",
    ],
)
def test_passed_mastered_and_cmi5_satisfied_are_passes(verb: str) -> None:
    assert completion(xapi_payload(verb={"id": verb}, result=None)).verdict is True


def test_a_timestamp_without_a_zone_is_utc_and_a_missing_one_falls_back_to_stored() -> None:
    assert completion(xapi_payload(timestamp="2026-11-20T02:30:00")).completed_at == datetime(
        2026, 11, 20, 2, 30, tzinfo=UTC
    )
    without = statement(stored="2026-11-21T00:00:00Z")
    del without["timestamp"]
    assert completion({"company_id": COMPANY, "statement": without}).completed_at == datetime(2026, 11, 21, tzinfo=UTC)


def test_lrs_and_lms_extras_are_accepted_and_ignored() -> None:
    recorded = completion(
        xapi_payload(
            id="FD41C918B88B4B20A0A5A4C32391AAA0",  # no hyphens, upper case: still the same UUID
            version="1.0.3",
            stored="2026-11-20T02:30:05.123Z",
            authority={"objectType": "Agent", "account": {"homePage": "https://lrs.example.org", "name": "lms"}},
            attachments=[{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion"}],
            context={
                "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
                "platform": "Moodle 4.3",
                "language": "th-TH",
                "instructor": {"mbox": "mailto:trainer@example.jp"},
                "contextActivities": {"parent": {"id": "https://lms.example.org/programmes/food"}},  # 0.95 style
                "extensions": {"https://lms.example.org/xapi/ext/cohort": {"name": "2026-A", "seats": 20}},
            },
            result={
                "completion": True,
                "duration": "PT16H30M",
                "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": 100},
            },
        )
    )
    assert recorded.record_key == f"xapi:{STATEMENT_ID}"
    data = CompletionRecorded.model_validate(xapi_payload(context={"contextActivities": {"parent": {"id": "a:b"}}}))
    assert data.statement is not None
    assert data.statement.context is not None
    assert data.statement.context.contextActivities is not None
    assert [activity.id for activity in data.statement.context.contextActivities.parent] == ["a:b"]


def test_xapi_2_statements_are_accepted() -> None:
    assert completion(xapi_payload(version="2.0.0")).verdict is True


def test_the_simple_form() -> None:
    recorded = completion(simple_payload(passed=None), agency="th-dip")
    assert recorded.learner.key == "id:EMP-0042"
    assert recorded.course_id == "c-haccp-101"
    assert recorded.activity_id is None
    assert recorded.verdict is None
    assert recorded.score is not None
    assert recorded.score.percent == 85
    assert recorded.record_key.startswith("simple:")
    assert completion(simple_payload(passed=False)).verdict is False


# --- Malformed shapes, refused field by field ------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"actor": {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}},
            "statement.actor.objectType",
            "not a Group",
        ),
        (
            {"actor": {"mbox": "mailto:a@example.org", "openid": "https://id.example.org/a"}},
            "statement.actor",
            "found mbox and openid",
        ),
        (
            {"actor": {"name": "Somchai"}},
            "statement.actor",
            "exactly one of mbox, mbox_sha1sum, openid or account (found none)",
        ),
        ({"actor": {"mbox": "somchai@example.co.th"}}, "statement.actor.mbox", "not a mailto IRI"),
        ({"actor": {"mbox_sha1sum": "abc"}}, "statement.actor.mbox_sha1sum", "40 hexadecimal"),
        (
            {"actor": {"account": {"homePage": "lms", "name": "1"}}},
            "statement.actor.account.homePage",
            "not a web address",
        ),
        ({"verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}}, "statement.verb.id", "not a completion verb"),
        ({"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}, "statement.verb.id", "voiding is not supported"),
        ({"verb": {"display": {"en-US": "passed"}}}, "statement.verb.id", "Field required"),
        (
            {"verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"not a tag!": "x"}}},
            "statement.verb.display.not a tag!.[key]",
            "RFC 5646",
        ),
        (
            {"object": {"objectType": "StatementRef", "id": STATEMENT_ID}},
            "statement.object.objectType",
            "must be an Activity",
        ),
        ({"object": {"id": "haccp-101"}}, "statement.object.id", "not an absolute IRI"),
        ({"id": "statement-1"}, "statement.id", "UUID"),
        ({"result": {"score": {"scaled": 1.5}}}, "statement.result.score.scaled", "less than or equal to 1"),
        ({"result": {"score": {"scaled": "0.85"}}}, "statement.result.score.scaled", "valid number"),
        (
            {"result": {"score": {"raw": 120, "min": 0, "max": 100}}},
            "statement.result.score",
            "raw (120) is above max (100)",
        ),
        (
            {"result": {"score": {"raw": 5, "min": 10, "max": 10}}},
            "statement.result.score",
            "min (10) must be below max (10)",
        ),
        ({"result": {"success": "true"}}, "statement.result.success", "valid boolean"),
        ({"result": {"duration": "16 hours"}}, "statement.result.duration", "ISO 8601 duration"),
        ({"timestamp": "yesterday"}, "statement.timestamp", "datetime"),
        ({"version": "0.95"}, "statement.version", "1.0.x or 2.0.x"),
    ],
)
def test_a_malformed_statement_is_refused_naming_the_field(changes: dict[str, Any], field: str, words: str) -> None:
    problems = told(xapi_payload(**changes))
    assert field in problems, problems
    assert words in problems[field]


@pytest.mark.parametrize(
    ("verb", "result", "field", "words"),
    [
        ("passed", {"success": False}, "statement.result.success", "is false, but the verb says passed"),
        ("failed", {"success": True}, "statement.result.success", "is true, but the verb says failed"),
        ("completed", {"completion": False}, "statement.result.completion", "is false, but the verb says completed"),
    ],
)
def test_a_statement_contradicting_itself_is_refused(verb: str, result: dict[str, Any], field: str, words: str) -> None:
    problems = told(xapi_payload(verb={"id": f"http://adlnet.gov/expapi/verbs/{verb}"}, result=result))
    assert problems == {field: words}


def test_a_statement_that_does_not_say_when_is_refused() -> None:
    undated = statement()
    del undated["timestamp"]
    assert told({"company_id": COMPANY, "statement": undated}) == {
        "statement.timestamp": "Field required: when the learner completed"
    }


def test_the_company_is_required_for_both_forms() -> None:
    assert told({"statement": statement()}) == {"company_id": "Field required"}
    assert "company_id" in told(simple_payload(company_id="Siam Foods"))


def test_both_forms_at_once_or_neither_are_refused() -> None:
    both = {**xapi_payload(), "learner_id": "EMP-0042", "course_id": "c-haccp-101"}
    assert told(both) == {
        "learner_id": "not allowed together with statement",
        "course_id": "not allowed together with statement",
    }
    assert set(told({"company_id": COMPANY, "learner_id": "EMP-0042"})) == {"course_id", "completed_at"}


def test_a_simple_score_is_a_percentage() -> None:
    assert "less than or equal to 100" in told(simple_payload(score=120))["score"]
    assert "valid number" in told(simple_payload(score="85"))["score"]


# --- Idempotency -----------------------------------------------------------------------------


def test_the_same_statement_again_is_a_repeat() -> None:
    first = completion(xapi_payload())
    assert is_repeat(None, first) is False
    assert is_repeat(first.digest, completion(xapi_payload())) is True


def test_what_xapi_lets_an_lrs_change_does_not_make_a_statement_different() -> None:
    """xAPI 1.0.3 §2.3.1: verb display, activity definitions, stored, authority, version, attachments and
    the serialisation of timestamps are not part of the statement's content."""
    first = completion(xapi_payload())
    relayed = completion(
        xapi_payload(
            verb={"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"th": "ผ่าน"}},
            object={"id": ACTIVITY, "definition": {"name": {"en-US": "HACCP (revised title)"}}},
            timestamp="2026-11-20T02:30:00.000Z",
            stored="2026-11-20T02:31:00Z",
            authority={"mbox": "mailto:lrs@example.org"},
            version="1.0.0",
            actor={"name": "S. Prasert", "mbox": "mailto:SOMCHAI@example.co.th"},
        )
    )
    assert relayed.digest == first.digest
    assert is_repeat(first.digest, relayed) is True


@pytest.mark.parametrize(
    "changes",
    [
        {"result": {"score": {"scaled": 0.95}, "success": True}},
        {"verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}},
        {"timestamp": "2026-11-21T09:30:00+07:00"},
        {"actor": {"mbox": "mailto:another@example.co.th"}},
        {"object": {"id": "https://lms.example.org/courses/other"}},
        {"context": {"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"}},
    ],
)
def test_the_same_statement_id_with_other_content_is_refused(changes: dict[str, Any]) -> None:
    first = completion(xapi_payload())
    changed = completion(xapi_payload(**changes))
    assert changed.record_key == first.record_key
    with pytest.raises(Refusal) as refused:
        is_repeat(first.digest, changed)
    assert refused.value.reason.startswith(f"Statement {STATEMENT_ID} was already recorded with different content")
    assert [(p.field, p.problem) for p in refused.value.problems] == [
        ("statement.id", "already recorded with different content")
    ]


def test_the_same_statement_for_another_company_is_a_conflict() -> None:
    first = completion(xapi_payload())
    with pytest.raises(Refusal):
        is_repeat(first.digest, completion(xapi_payload(company_id="th-0105559999999")))


def test_a_simple_record_is_identified_by_its_record_id_or_by_learner_course_and_time() -> None:
    first = completion(simple_payload())
    assert is_repeat(first.digest, completion(simple_payload(completed_at="2026-11-20T02:30:00Z"))) is True
    with pytest.raises(Refusal, match="already recorded with a different score or result"):
        is_repeat(first.digest, completion(simple_payload(score=60)))
    later = completion(simple_payload(completed_at="2026-12-01T09:30:00+07:00"))
    assert later.record_key != first.record_key, "another attempt, another record"
    with_id = completion(simple_payload(record_id="att-1"), agency="th-dip")
    assert with_id.record_key == "record:th-dip:att-1"
    assert completion(simple_payload(record_id="att-1"), agency="jp-mie").record_key != with_id.record_key
    with pytest.raises(Refusal, match="Completion record att-1 was already recorded"):
        is_repeat(with_id.digest, completion(simple_payload(record_id="att-1", score=10), agency="th-dip"))


def test_a_held_completion_survives_its_round_trip_through_json() -> None:
    for recorded in (completion(xapi_payload()), completion(simple_payload())):
        assert completion_from_json(completion_to_json(recorded)) == recorded
