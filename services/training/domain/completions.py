"""Completions as the service sees them: read from either inbound form, identified, and judged pass or fail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from shared.contracts.agency.training import (
    VERB_COMPLETED,
    VERB_FAILED,
    CompletionRecorded,
    Learner,
    XapiAgent,
    XapiScore,
    XapiStatement,
)
from shared.contracts.rejections import Problem

_SIMPLE_FIELDS = ("learner_id", "course_id", "completed_at", "score", "passed", "record_id")
_SIMPLE_REQUIRED = ("learner_id", "course_id", "completed_at")


class Refusal(Exception):
    """An inbound record the domain will not accept as it is; the sender is told why, field by field."""

    def __init__(self, reason: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class LearnerRef:
    """A learner of one company. `key` identifies them without spelling out an e-mail address."""

    company_id: str
    key: str


@dataclass(frozen=True, slots=True)
class Score:
    """A score as sent, with its value in percent where the sender made that computable."""

    percent: float | None
    scaled: float | None = None
    raw: float | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """One learner finishing one course, from an xAPI statement or a simple record."""

    record_key: str
    """What makes a resend recognisable: the statement id, or the simple record's id."""
    digest: str
    """A hash of the content that counts: the same key with another digest is a conflict."""
    agency: str
    learner: LearnerRef
    email: str | None
    """The learner's address when the statement gave one (for the credential's hashed identity)."""
    course_id: str | None
    activity_id: str | None
    verdict: bool | None
    """Passed (True) or failed (False) as the sender said; None when the record leaves it open."""
    score: Score | None
    completed_at: datetime
    form: Literal["xapi", "simple"]


def learner_key(identity: XapiAgent | Learner) -> str:
    """The learner's identity in one string; an e-mail address becomes the SHA-1 xAPI's mbox_sha1sum uses.

    So `mbox` and `mbox_sha1sum` name the same learner, and the stored key reveals no address.
    """
    if isinstance(identity, Learner) and identity.learner_id is not None:
        return f"id:{identity.learner_id}"
    if identity.mbox is not None:
        return f"sha1:{hashlib.sha1(identity.mbox.lower().encode()).hexdigest()}"
    if identity.mbox_sha1sum is not None:
        return f"sha1:{identity.mbox_sha1sum.lower()}"
    if identity.openid is not None:
        return f"openid:{identity.openid}"
    assert identity.account is not None, "the contract requires one identifier"
    return f"account:{identity.account.homePage} {identity.account.name}"


def read_completion(data: CompletionRecorded, *, agency: str) -> Completion:
    """The completion an inbound record states, or a `Refusal` saying what is wrong with it."""
    if data.statement is not None:
        extra = [name for name in _SIMPLE_FIELDS if getattr(data, name) is not None]
        if extra:
            raise Refusal(
                "Send either an xAPI statement or the simple form, not both.",
                [Problem(field=name, problem="not allowed together with statement") for name in extra],
            )
        return _from_statement(data.company_id, data.statement, agency=agency)
    missing = [name for name in _SIMPLE_REQUIRED if getattr(data, name) is None]
    if missing:
        raise Refusal(
            "The completion has no xAPI statement and the simple form is incomplete.",
            [
                Problem(field=name, problem="Field required (or send an xAPI statement in statement)")
                for name in missing
            ],
        )
    return _from_simple(data, agency=agency)


def _from_statement(company_id: str, statement: XapiStatement, *, agency: str) -> Completion:
    verb = statement.verb.id
    result = statement.result
    success = result.success if result else None
    problems = []
    if verb == VERB_FAILED and success is True:
        problems.append(Problem(field="statement.result.success", problem="is true, but the verb says failed"))
    if verb not in (VERB_FAILED, VERB_COMPLETED) and success is False:
        problems.append(Problem(field="statement.result.success", problem=f"is false, but the verb says {_word(verb)}"))
    if verb == VERB_COMPLETED and result is not None and result.completion is False:
        problems.append(Problem(field="statement.result.completion", problem="is false, but the verb says completed"))
    when = statement.timestamp or statement.stored
    if when is None:
        problems.append(Problem(field="statement.timestamp", problem="Field required: when the learner completed"))
    if problems:
        raise Refusal("The xAPI statement contradicts itself or does not say when.", problems)
    assert when is not None
    if verb == VERB_FAILED:
        verdict: bool | None = False
    elif verb == VERB_COMPLETED:
        verdict = success
    else:
        verdict = True
    key = learner_key(statement.actor)
    content = {
        "form": "xapi",
        "company_id": company_id,
        "actor": key,
        "verb": verb,
        "object": statement.object.id,
        "result": result.model_dump(mode="json", exclude_none=True) if result else None,
        "context": statement.context.model_dump(mode="json", exclude_none=True) if statement.context else None,
        "timestamp": _utc(statement.timestamp),
    }
    return Completion(
        record_key=f"xapi:{statement.id}",
        digest=_digest(content),
        agency=agency,
        learner=LearnerRef(company_id, key),
        email=statement.actor.mbox.removeprefix("mailto:").lower() if statement.actor.mbox else None,
        course_id=None,
        activity_id=statement.object.id,
        verdict=verdict,
        score=_xapi_score(result.score if result else None),
        completed_at=when.astimezone(UTC),
        form="xapi",
    )


def _from_simple(data: CompletionRecorded, *, agency: str) -> Completion:
    assert data.learner_id is not None
    assert data.course_id is not None
    assert data.completed_at is not None
    key = f"id:{data.learner_id}"
    completed_at = data.completed_at.astimezone(UTC)
    identity = [agency, data.company_id, key, data.course_id, _utc(completed_at)]
    record_key = f"record:{agency}:{data.record_id}" if data.record_id else f"simple:{_digest(identity)}"
    content = {
        "form": "simple",
        "company_id": data.company_id,
        "learner": key,
        "course_id": data.course_id,
        "completed_at": _utc(completed_at),
        "score": data.score,
        "passed": data.passed,
    }
    return Completion(
        record_key=record_key,
        digest=_digest(content),
        agency=agency,
        learner=LearnerRef(data.company_id, key),
        email=None,
        course_id=data.course_id,
        activity_id=None,
        verdict=data.passed,
        score=Score(percent=data.score) if data.score is not None else None,
        completed_at=completed_at,
        form="simple",
    )


def _xapi_score(score: XapiScore | None) -> Score | None:
    if score is None:
        return None
    if score.scaled is not None:
        percent: float | None = score.scaled * 100
    elif score.raw is not None and score.min is not None and score.max is not None:
        percent = (score.raw - score.min) / (score.max - score.min) * 100
    else:
        percent = None  # a raw score without its range says nothing comparable
    return Score(percent=percent, scaled=score.scaled, raw=score.raw, min=score.min, max=score.max)


def is_repeat(known_digest: str | None, completion: Completion) -> bool:
    """Whether `completion` was recorded before; the same key with other content is refused.

    Two CloudEvents (with different ids) may carry one xAPI statement: the statement id, not
    the event id, is what xAPI promises is unique, so the check is made here as well as in the inbox.
    """
    if known_digest is None:
        return False
    if known_digest == completion.digest:
        return True
    _, _, identifier = completion.record_key.partition(":")
    if completion.form == "xapi":
        reason = f"Statement {identifier} was already recorded with different content; a statement cannot change"
        field = "statement.id"
    elif completion.record_key.startswith("record:"):
        reason = f"Completion record {identifier.partition(':')[2]} was already recorded with different content"
        field = "record_id"
    else:
        reason = (
            f"A completion of {completion.course_id} by this learner at {_utc(completion.completed_at)} was already "
            "recorded with a different score or result"
        )
        field = "body"
    raise Refusal(
        f"{reason}: send new results as a new record, and ask the programme office to correct a recorded one.",
        [Problem(field=field, problem="already recorded with different content")],
    )


def completion_to_json(completion: Completion) -> dict[str, object]:
    """The completion as JSON, to keep while its course is not published yet."""
    score = completion.score
    return {
        "record_key": completion.record_key,
        "digest": completion.digest,
        "agency": completion.agency,
        "company_id": completion.learner.company_id,
        "learner_key": completion.learner.key,
        "email": completion.email,
        "course_id": completion.course_id,
        "activity_id": completion.activity_id,
        "verdict": completion.verdict,
        "score": None
        if score is None
        else {"percent": score.percent, "scaled": score.scaled, "raw": score.raw, "min": score.min, "max": score.max},
        "completed_at": _utc(completion.completed_at),
        "form": completion.form,
    }


def completion_from_json(value: dict[str, object]) -> Completion:
    score = value["score"]
    form = value["form"]
    verdict = value["verdict"]
    assert form in ("xapi", "simple")
    assert verdict is None or isinstance(verdict, bool)
    return Completion(
        record_key=str(value["record_key"]),
        digest=str(value["digest"]),
        agency=str(value["agency"]),
        learner=LearnerRef(str(value["company_id"]), str(value["learner_key"])),
        email=_optional_str(value["email"]),
        course_id=_optional_str(value["course_id"]),
        activity_id=_optional_str(value["activity_id"]),
        verdict=verdict,
        score=None
        if not isinstance(score, dict)
        else Score(**{name: _optional_float(score[name]) for name in ("percent", "scaled", "raw", "min", "max")}),
        completed_at=datetime.fromisoformat(str(value["completed_at"])),
        form=form,
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_float(value: object) -> float | None:
    assert value is None or isinstance(value, int | float)
    return None if value is None else float(value)


def _word(verb: str) -> str:
    return verb.rsplit("/", 1)[-1]


def _utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _digest(content: object) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
