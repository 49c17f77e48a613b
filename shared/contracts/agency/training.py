"""Training records an agency or its learning-management system publishes: courses, completions, erasures.

Completions come in two forms on one subject: an xAPI 1.0.3 statement as an LMS sends it to a
learning record store (wrapped with the learner's company), or a simple record for systems
that do not speak xAPI. Either way a learner belongs to one company, named by `company_id`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, JsonValue, StrictBool, model_validator

from shared.contracts.base import Contract, Part
from shared.contracts.common import CompanyId, LocalizedText, Text

# --- Identifiers, checked with messages in plain words -------------------------------------------

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_IRL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_MAILTO = re.compile(r"^mailto:[^@\s/:]+@[^@\s/:]+$", re.IGNORECASE)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_DURATION = re.compile(
    r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)
_VERSION = re.compile(r"^[12]\.0(\.\d+)?$")
_COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_SKILL_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_LEARNER_ID = re.compile(r"^[^\s\x00-\x1f][^\x00-\x1f]{0,198}(?<!\s)$")


def _matching(pattern: re.Pattern[str], words: str, max_length: int = 2048) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        if not pattern.match(value):
            raise ValueError(words)
        return value

    return AfterValidator(check)


Iri = Annotated[
    str,
    _matching(_IRI, "is not an absolute IRI: it needs a scheme, e.g. https://lms.example.org/courses/haccp-101"),
    Field(json_schema_extra={"format": "iri"}),
]
"""An absolute IRI (RFC 3987), as xAPI uses for ids of activities, verbs and extensions."""

Irl = Annotated[
    str,
    _matching(_IRL, "is not a web address (IRL) such as https://lms.example.org"),
    Field(json_schema_extra={"format": "uri"}),
]
Mailto = Annotated[
    str,
    _matching(_MAILTO, "is not a mailto IRI such as mailto:somchai@example.co.th", max_length=320),
    Field(json_schema_extra={"pattern": _MAILTO.pattern}),
]
Sha1 = Annotated[
    str,
    _matching(_SHA1, "is not a SHA-1 hex digest (40 hexadecimal characters)"),
    Field(json_schema_extra={"pattern": _SHA1.pattern}),
]
LanguageTag = Annotated[
    str, _matching(_LANGUAGE_TAG, "is not an RFC 5646 language tag such as en-US, th or ja", max_length=35)
]
LanguageMap = dict[LanguageTag, str]
"""xAPI's language map: the same text keyed by RFC 5646 language tags (`{"en-US": "completed"}`)."""

Duration = Annotated[
    str,
    _matching(_DURATION, "is not an ISO 8601 duration such as PT1H30M or P2D", max_length=64),
    Field(json_schema_extra={"pattern": _DURATION.pattern}),
]
CourseId = Annotated[
    str,
    _matching(_COURSE_ID, "is not a course id: letters, digits and . _ : - (at most 128), e.g. c-haccp-101", 128),
    Field(json_schema_extra={"pattern": _COURSE_ID.pattern}),
]
"""An agency's id for a course, unique in the programme."""

SkillId = Annotated[
    str,
    _matching(_SKILL_ID, "is not a skill id: lower-case letters, digits and underscores, e.g. food_safety_haccp", 64),
    Field(json_schema_extra={"pattern": _SKILL_ID.pattern}),
]
LearnerId = Annotated[
    str,
    _matching(_LEARNER_ID, "is not a learner id: 1 to 200 printable characters, no surrounding spaces", 200),
]
Extensions = dict[Iri, JsonValue]
"""xAPI extensions: any JSON, keyed by IRIs."""

Level = Literal["introductory", "intermediate", "advanced"]
"""A course's level; it is the level at which its learners hold the skills it teaches."""

Percent = Annotated[float, Field(ge=0, le=100, strict=True)]


def _aware(value: datetime) -> datetime:
    # xAPI 1.0.3 §4.5: a timestamp without a time zone MAY be taken as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Timestamp = Annotated[datetime, AfterValidator(_aware)]
"""An ISO 8601 timestamp; one without a zone is taken as UTC, as xAPI allows."""


def _as_list(value: object) -> object:
    # xAPI 0.95 allowed a single activity where 1.0 requires an array; LMSs still send both.
    return [value] if isinstance(value, dict) else value


# --- Courses -------------------------------------------------------------------------------------

_COURSE_TITLE = {
    "en": "HACCP for seafood processors",
    "th": "HACCP สำหรับผู้แปรรูปอาหารทะเล",
    "ja": "水産加工業者のためのHACCP",
}


class CoursePublished(Contract):
    """A course in the programme's catalogue, new or updated: the skills its successful learners gain.

    Publishing the same `course_id` again with a higher `course_version` updates it (for
    completions recorded from then on); an older version is ignored; the same version with
    other content is refused. A course belongs to the agency that first published it.
    """

    subject = "collab.in.{agency}.training.course_published.v1"

    course_id: CourseId = Field(description="The course, stable across versions.", examples=["c-haccp-101"])
    course_version: int = Field(
        default=1, ge=1, description="Increases with every change; older versions are ignored.", examples=[2]
    )
    title: LocalizedText = Field(description="The course's title, in th/ja/en.", examples=[_COURSE_TITLE])
    description: LocalizedText | None = Field(
        default=None,
        description="What the course covers, shown on the learners' credentials.",
        examples=[{"en": "Hazard analysis and critical control points for frozen seafood lines."}],
    )
    provider: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Who teaches it: the training organisation's name.",
        examples=["Mie Prefecture Industrial Research Institute"],
    )
    hours: float = Field(gt=0, le=10_000, description="Teaching hours.", examples=[16])
    level: Level = Field(
        description="The level of the course: its successful learners hold its skills at this level.",
        examples=["intermediate"],
    )
    skills: tuple[SkillId, ...] = Field(
        min_length=1,
        max_length=20,
        description="The skills it teaches: ids of the programme's skills taxonomy (shared/taxonomy/skills.toml).",
        examples=[["food_safety_haccp", "food_hygiene"]],
    )
    activity_id: Iri | None = Field(
        default=None,
        description="The xAPI activity id (IRI) the LMS reports this course under: xAPI completions whose "
        "`object.id` is this IRI count for this course. Without it the course takes simple-form completions only.",
        examples=["https://lms.mie-iri.example.jp/xapi/activities/course/haccp-101"],
    )
    passing_score: Percent | None = Field(
        default=None,
        description="The score (percent) a learner needs when a completion states a score but no pass or fail.",
        examples=[70],
    )


# --- Learners ------------------------------------------------------------------------------------


def _agent(value: str) -> str:
    if value != "Agent":
        raise ValueError("a completion is one learner's: the actor must be an Agent, not a Group")
    return value


def _activity(value: str) -> str:
    if value != "Activity":
        raise ValueError("the statement must be about the course: its object must be an Activity")
    return value


class XapiAccount(Part):
    """A learner's account on a system (xAPI `account`): the usual identity an LMS sends."""

    homePage: Irl = Field(description="The system's home page.", examples=["https://lms.dip.example.go.th"])
    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The learner's user id on that system.", examples=["u-20931"]
    )


def _identifiers(model: XapiAgent | Learner) -> list[str]:
    given = [name for name in ("mbox", "mbox_sha1sum", "openid", "account") if getattr(model, name) is not None]
    if isinstance(model, Learner) and model.learner_id is not None:
        given.insert(0, "learner_id")
    return given


class XapiAgent(Part):
    """The learner as xAPI names an Agent: by exactly one of mbox, mbox_sha1sum, openid or account."""

    objectType: Annotated[str, AfterValidator(_agent)] = Field(
        default="Agent",
        description="Always Agent: a completion is one learner's, so Groups are not accepted.",
        examples=["Agent"],
        json_schema_extra={"const": "Agent"},
    )
    name: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="The learner's name (not kept).", examples=["Somchai Prasert"]
    )
    mbox: Mailto | None = Field(
        default=None, description="E-mail address as a mailto IRI.", examples=["mailto:somchai@example.co.th"]
    )
    mbox_sha1sum: Sha1 | None = Field(
        default=None,
        description="SHA-1 of the mailto IRI, for LMSs that hide addresses.",
        examples=["ebd31e95054c018b10727ccffd2ef2ec3a016ee9"],
    )
    openid: Iri | None = Field(default=None, description="An OpenID URI.", examples=["https://openid.example.org/u/42"])
    account: XapiAccount | None = Field(
        default=None,
        description="An account on a system.",
        examples=[{"homePage": "https://lms.dip.example.go.th", "name": "u-20931"}],
    )

    @model_validator(mode="after")
    def _one_identifier(self) -> XapiAgent:
        given = _identifiers(self)
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise ValueError(f"identify the learner by exactly one of mbox, mbox_sha1sum, openid or account ({found})")
        return self


class Learner(Part):
    """Who a learner is, as the agency knows them: by exactly one of these identifiers."""

    learner_id: LearnerId | None = Field(
        default=None,
        description="The id a simple-form completion gave (the agency's or company's staff id).",
        examples=["EMP-0042"],
    )
    mbox: Mailto | None = Field(
        default=None, description="The xAPI actor's mbox.", examples=["mailto:somchai@example.co.th"]
    )
    mbox_sha1sum: Sha1 | None = Field(
        default=None,
        description="The xAPI actor's mbox_sha1sum.",
        examples=["ebd31e95054c018b10727ccffd2ef2ec3a016ee9"],
    )
    openid: Iri | None = Field(
        default=None, description="The xAPI actor's openid.", examples=["https://openid.example.org/u/42"]
    )
    account: XapiAccount | None = Field(
        default=None,
        description="The xAPI actor's account.",
        examples=[{"homePage": "https://lms.dip.example.go.th", "name": "u-20931"}],
    )

    @model_validator(mode="after")
    def _one_identifier(self) -> Learner:
        given = _identifiers(self)
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise ValueError(
                f"identify the learner by exactly one of learner_id, mbox, mbox_sha1sum, openid or account ({found})"
            )
        return self


# --- xAPI statements -----------------------------------------------------------------------------

VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_PASSED = "http://adlnet.gov/expapi/verbs/passed"
VERB_FAILED = "http://adlnet.gov/expapi/verbs/failed"
VERB_MASTERED = "http://adlnet.gov/expapi/verbs/mastered"
VERB_SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
COMPLETION_VERBS = (VERB_COMPLETED, VERB_PASSED, VERB_FAILED, VERB_MASTERED, VERB_SATISFIED)
"""The verbs of a completion: ADL's completed, passed, failed and mastered, and cmi5's satisfied."""


def _completion_verb(value: str) -> str:
    if value not in COMPLETION_VERBS:
        hint = " (voiding is not supported: ask the programme office)" if value.endswith("/voided") else ""
        raise ValueError(
            f"is not a completion verb{hint}; send only statements whose verb is one of " + ", ".join(COMPLETION_VERBS)
        )
    return value


class XapiVerb(Part):
    """What the learner did: completed, passed or failed the course (or mastered, or satisfied it in cmi5)."""

    id: Annotated[str, AfterValidator(_completion_verb)] = Field(
        description="The verb's IRI: " + ", ".join(COMPLETION_VERBS) + ".",
        examples=[VERB_PASSED],
        json_schema_extra={"enum": list(COMPLETION_VERBS)},
    )
    display: LanguageMap | None = Field(
        default=None, description="The verb in words, by language (not kept).", examples=[{"en-US": "passed"}]
    )


class XapiActivityDefinition(Part):
    """The activity's metadata, as the LMS describes it (informative only: the course is ours)."""

    name: LanguageMap | None = Field(
        default=None, description="The activity's name.", examples=[{"en-US": "HACCP for seafood processors"}]
    )
    description: LanguageMap | None = Field(
        default=None, description="What the activity is.", examples=[{"en-US": "A 16-hour course with an exam."}]
    )
    type: Iri | None = Field(
        default=None, description="The activity type.", examples=["http://adlnet.gov/expapi/activities/course"]
    )


class XapiActivity(Part):
    """The course, as the activity the statement is about; matched to a course by `CoursePublished.activity_id`."""

    objectType: Annotated[str, AfterValidator(_activity)] = Field(
        default="Activity",
        description="Always Activity: the statement must be about the course itself.",
        examples=["Activity"],
        json_schema_extra={"const": "Activity"},
    )
    id: Iri = Field(
        description="The activity's IRI.", examples=["https://lms.mie-iri.example.jp/xapi/activities/course/haccp-101"]
    )
    definition: XapiActivityDefinition | None = Field(
        default=None,
        description="Its metadata (not part of the statement's content, per xAPI).",
        examples=[{"name": {"en-US": "HACCP for seafood processors"}}],
    )


class XapiActivityRef(Part):
    """An activity named in a statement's context (its parent, grouping, category or other)."""

    id: Iri = Field(description="The activity's IRI.", examples=["https://lms.mie-iri.example.jp/xapi/programmes/food"])


ContextActivities = Annotated[tuple[XapiActivityRef, ...], BeforeValidator(_as_list)]


class XapiContextActivities(Part):
    """Activities the statement relates to."""

    parent: ContextActivities = Field(
        default=(), description="Parent activities.", examples=[[{"id": "https://lms.example.org/programmes/food"}]]
    )
    grouping: ContextActivities = Field(
        default=(), description="Grouping activities.", examples=[[{"id": "https://lms.example.org/cohorts/2026"}]]
    )
    category: ContextActivities = Field(
        default=(),
        description="Category activities, e.g. an xAPI profile.",
        examples=[[{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]],
    )
    other: ContextActivities = Field(
        default=(), description="Other related activities.", examples=[[{"id": "https://lms.example.org/x/1"}]]
    )


class XapiContext(Part):
    """The statement's context; the parts that make two statements differ are kept in its content digest."""

    registration: UUID | None = Field(
        default=None,
        description="The enrolment (registration) the statement belongs to.",
        examples=["ec531277-b57b-4c15-8d91-d292c5b2b8f7"],
    )
    platform: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="The platform used.", examples=["Moodle 4.3"]
    )
    language: LanguageTag | None = Field(default=None, description="The language of the experience.", examples=["th"])
    revision: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="The revision of the activity.", examples=["2026-1"]
    )
    contextActivities: XapiContextActivities | None = Field(
        default=None,
        description="Related activities.",
        examples=[{"grouping": [{"id": "https://lms.example.org/cohorts/2026"}]}],
    )
    extensions: Extensions | None = Field(
        default=None,
        description="Any other context, keyed by IRI.",
        examples=[{"https://lms.example.org/xapi/ext/cohort": "2026-A"}],
    )


class XapiScore(Part):
    """A score: `scaled` from -1 to 1, or `raw` between `min` and `max`."""

    scaled: Annotated[float, Field(ge=-1, le=1, strict=True)] | None = Field(
        default=None, description="The score scaled to -1…1 (0.85 is 85 %).", examples=[0.85]
    )
    raw: Annotated[float, Field(strict=True)] | None = Field(
        default=None, description="The score as marked.", examples=[85]
    )
    min: Annotated[float, Field(strict=True)] | None = Field(
        default=None, description="The lowest possible raw score.", examples=[0]
    )
    max: Annotated[float, Field(strict=True)] | None = Field(
        default=None, description="The highest possible raw score.", examples=[100]
    )

    @model_validator(mode="after")
    def _consistent(self) -> XapiScore:
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min ({self.min:g}) must be below max ({self.max:g})")
        if self.raw is not None:
            if self.min is not None and self.raw < self.min:
                raise ValueError(f"raw ({self.raw:g}) is below min ({self.min:g})")
            if self.max is not None and self.raw > self.max:
                raise ValueError(f"raw ({self.raw:g}) is above max ({self.max:g})")
        return self


class XapiResult(Part):
    """The outcome: score, success (passed or failed) and completion."""

    score: XapiScore | None = Field(
        default=None, description="The score.", examples=[{"scaled": 0.85, "raw": 85, "min": 0, "max": 100}]
    )
    success: StrictBool | None = Field(default=None, description="Whether the learner passed.", examples=[True])
    completion: StrictBool | None = Field(
        default=None, description="Whether the learner completed the activity.", examples=[True]
    )
    response: Annotated[str, Field(max_length=5000)] | None = Field(
        default=None, description="The learner's response, if any.", examples=["a"]
    )
    duration: Duration | None = Field(default=None, description="Time spent (ISO 8601).", examples=["PT16H"])
    extensions: Extensions | None = Field(
        default=None,
        description="Any other result data, keyed by IRI.",
        examples=[{"https://w3id.org/xapi/cmi5/result/extensions/progress": 100}],
    )


class XapiStatement(Part):
    """An xAPI 1.0.3 statement, as an LMS sends it to a learning record store.

    Properties not modelled here (authority, attachments, context.instructor, …) are accepted
    and ignored. The statement `id` makes resending safe: the same id with the same content is
    recorded once; with different content it is refused.
    """

    id: UUID = Field(
        description="The statement's UUID, set by the LMS; required here because it makes resends safe.",
        examples=["fd41c918-b88b-4b20-a0a5-a4c32391aaa0"],
    )
    actor: XapiAgent = Field(
        description="The learner.",
        examples=[{"objectType": "Agent", "name": "Somchai Prasert", "mbox": "mailto:somchai@example.co.th"}],
    )
    verb: XapiVerb = Field(
        description="Completed, passed or failed (or mastered, or cmi5's satisfied).",
        examples=[{"id": VERB_PASSED, "display": {"en-US": "passed"}}],
    )
    object: XapiActivity = Field(
        description="The course activity.",
        examples=[{"objectType": "Activity", "id": "https://lms.mie-iri.example.jp/xapi/activities/course/haccp-101"}],
    )
    result: XapiResult | None = Field(
        default=None,
        description="The outcome; without it a completed or passed verb counts as a pass.",
        examples=[{"score": {"scaled": 0.85}, "success": True, "completion": True}],
    )
    context: XapiContext | None = Field(
        default=None, description="The context.", examples=[{"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"}]
    )
    timestamp: Timestamp | None = Field(
        default=None,
        description="When the learner completed (ISO 8601; without a zone, UTC). Falls back to `stored`.",
        examples=["2026-11-20T09:30:00+07:00"],
    )
    stored: Timestamp | None = Field(
        default=None,
        description="When an LRS stored it, if the statement passed through one.",
        examples=["2026-11-20T02:30:05Z"],
    )
    version: Annotated[str, _matching(_VERSION, "is not an xAPI version: 1.0.x or 2.0.x", 20)] | None = Field(
        default=None, description="The xAPI version (1.0.x or 2.0.x).", examples=["1.0.3"]
    )


# --- Completions ---------------------------------------------------------------------------------

_STATEMENT_EXAMPLE = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": {"objectType": "Agent", "name": "Somchai Prasert", "mbox": "mailto:somchai@example.co.th"},
    "verb": {"id": VERB_PASSED, "display": {"en-US": "passed"}},
    "object": {"objectType": "Activity", "id": "https://lms.mie-iri.example.jp/xapi/activities/course/haccp-101"},
    "result": {"score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100}, "success": True, "completion": True},
    "timestamp": "2026-11-20T09:30:00+07:00",
}


class CompletionRecorded(Contract):
    """A learner of a company finished a course: passed (gains its skills) or failed (gains nothing).

    Give `company_id` (the learner's employer) and EITHER `statement`, an xAPI statement as the
    LMS sent it, OR the simple form: `learner_id`, `course_id` and `completed_at` (with `score`,
    `passed` and `record_id` when known). A completion may arrive before its course is published:
    it is kept and counted when the course arrives.
    """

    subject = "collab.in.{agency}.training.completion_recorded.v1"
    model_config = ConfigDict(
        json_schema_extra={
            # Null counts as left out, as it does for the service.
            "oneOf": [
                {"title": "xAPI form", "required": ["statement"], "properties": {"statement": {"type": "object"}}},
                {
                    "title": "simple form",
                    "required": ["learner_id", "course_id", "completed_at"],
                    "properties": {name: {"type": "string"} for name in ("learner_id", "course_id", "completed_at")},
                },
            ]
        }
    )
    payload_examples: ClassVar[tuple[dict[str, object], ...]] = (
        {"company_id": "th-0105551234567", "statement": _STATEMENT_EXAMPLE},
        {
            "company_id": "th-0105551234567",
            "learner_id": "EMP-0042",
            "course_id": "c-haccp-101",
            "completed_at": "2026-11-20T09:30:00+07:00",
            "score": 85,
            "passed": True,
            "record_id": "att-2026-000731",
        },
    )
    """Whole payloads, one per form. The simple-form fields' first example is null, as in the xAPI form, so
    that the field examples together make a valid (xAPI) completion rather than a mix of both forms."""

    company_id: CompanyId = Field(
        description="The company the learner works for; their skills count for it.", examples=["th-0105551234567"]
    )
    statement: XapiStatement | None = Field(
        default=None,
        description="The xAPI form: the statement the LMS recorded (leave the simple-form fields out).",
        examples=[_STATEMENT_EXAMPLE],
    )
    learner_id: LearnerId | None = Field(
        default=None, description="Simple form: the learner's id at the agency or company.", examples=[None, "EMP-0042"]
    )
    course_id: CourseId | None = Field(
        default=None,
        description="Simple form: the course (`CoursePublished.course_id`).",
        examples=[None, "c-haccp-101"],
    )
    completed_at: Timestamp | None = Field(
        default=None,
        description="Simple form: when the learner finished.",
        examples=[None, "2026-11-20T09:30:00+07:00"],
    )
    score: Percent | None = Field(default=None, description="Simple form: the score in percent.", examples=[None, 85])
    passed: StrictBool | None = Field(
        default=None,
        description="Simple form: passed or failed; when left out, the course's passing score decides, "
        "and without one the completion counts as a pass.",
        examples=[None, True],
    )
    record_id: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="Simple form: the sending system's id of this record; resends carry the same id. "
        "When left out, learner, course and completion time identify it.",
        examples=[None, "att-2026-000731"],
    )


class LearnerErasureRequested(Contract):
    """A learner asked for their personal data to be erased (Thailand's PDPA, Japan's APPI).

    Their completions, skill records and credentials at this company are deleted; the company's
    skill counts stay, anonymised.
    """

    subject = "collab.in.{agency}.training.learner_erasure_requested.v1"

    company_id: CompanyId = Field(description="The company the learner works for.", examples=["th-0105551234567"])
    learner: Learner = Field(
        description="The learner, identified as in their completions.",
        examples=[{"mbox": "mailto:somchai@example.co.th"}, {"learner_id": "EMP-0042"}],
    )
    reason: Text = Field(description="Why, for the record.", examples=["Learner request under PDPA section 33"])
