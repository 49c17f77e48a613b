"""Completions in, skill records out: over a real nats-server, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

from nats.js import JetStreamContext

from services.training.domain.skills import SkillCounts
from shared.contracts.training import SkillLevels
from shared.messaging import dlq
from tests.integration.training.support import (
    count_rows,
    course,
    event,
    raw_event,
    reading,
    running,
    send,
    simple,
    skill_records,
    training_service,
    xapi,
    xapi_payload,
)
from tests.support.infra import Broker
from tests.support.probe import eventually, stored

COMPANY = "th-0105551234567"
OTHER = "th-0105559999999"
HACCP = "food_safety_haccp"
HYGIENE = "food_hygiene"


ACTIVITY = "https://lms.mie-iri.example.jp/xapi/activities/course/"


async def test_completions_update_the_company_skill_record_each_learner_once_at_their_highest_level(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    somchai_sha1 = hashlib.sha1(b"mailto:somchai@example.co.th").hexdigest()
    service = training_service(nats_server.url, database_url)
    async with running(service):
        await send(
            js,
            event(course()),  # intermediate: HACCP and hygiene
            event(course(course_id="c-haccp-201", level="advanced", skills=[HACCP], activity_id=ACTIVITY + "201")),
            event(course(course_id="c-hygiene-1", level="introductory", skills=[HYGIENE], activity_id=ACTIVITY + "h1")),
            # Somchai passes (xAPI), EMP-7 passes (simple form), Yuki fails: no skill for her.
            event(xapi()),
            event(simple(learner_id="EMP-7"), agency="th-dip"),
            event(
                xapi(
                    id="0c3e2a4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
                    actor={"mbox": "mailto:yuki@example.co.th"},
                    verb={"id": "http://adlnet.gov/expapi/verbs/failed"},
                    result={"score": {"scaled": 0.4}, "success": False},
                )
            ),
            # Somchai again, named by the hash of his address: an advanced HACCP course moves him up a level
            # (not a new holder); an introductory hygiene course changes nothing.
            event(
                xapi(
                    id="5d1f2c3b-4a59-4e68-9f70-81a2b3c4d5e6",
                    actor={"mbox_sha1sum": somchai_sha1},
                    object={"id": ACTIVITY + "201"},
                )
            ),
            event(xapi(id="6e2a3d4c-5b6a-4f79-8a81-92b3c4d5e6f7", object={"id": ACTIVITY + "h1"})),
            # EMP-8 takes the introductory hygiene course: the last change, after all the others.
            event(simple(learner_id="EMP-8", course_id="c-hygiene-1"), agency="th-dip"),
        )

        async def last_update_published() -> bool:
            return any(update.levels.introductory for update in await skill_records(js))

        await eventually(last_update_published, what="the last skill record update")
        assert await count_rows(service, "completions", company_id=COMPANY) == 6
        assert await count_rows(service, "learner_skills", company_id=COMPANY) == 5
        async with reading(service) as store:
            attempts = {course: await store.course_attempts(course) for course in ("c-haccp-101", "c-haccp-201")}
            programme = await store.programme_skills()
        assert attempts == {"c-haccp-101": (2, 1), "c-haccp-201": (1, 0)}
        assert programme == {
            HACCP: SkillCounts(intermediate=1, advanced=1),
            HYGIENE: SkillCounts(introductory=1, intermediate=2),
        }
        assert await count_rows(service, "credentials") == 5, "one per passed completion, none for the failed one"
    updates = await skill_records(js)
    assert [(u.skill_id, u.holders, u.levels, u.revision) for u in updates] == [
        (HACCP, 1, SkillLevels(intermediate=1), 1),
        (HYGIENE, 1, SkillLevels(intermediate=1), 1),
        (HACCP, 2, SkillLevels(intermediate=2), 2),
        (HYGIENE, 2, SkillLevels(intermediate=2), 2),
        (HACCP, 2, SkillLevels(intermediate=1, advanced=1), 3),
        (HYGIENE, 3, SkillLevels(introductory=1, intermediate=2), 3),
    ]
    first = updates[0]
    assert first.company_id == COMPANY
    assert first.course_id == "c-haccp-101"
    assert first.course is not None
    assert first.course.ja == "水産加工業者のためのHACCP"
    assert first.esco_uri == "http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350"
    raw = await stored(js, "TRAINING")
    assert raw[0].headers is not None
    assert raw[0].headers["ce-subject"] == COMPANY
    published = b"".join(message.data or b"" for message in raw).decode().lower()
    assert "somchai" not in published
    assert "emp-7" not in published, "no learner's personal data leaves the service"


async def test_a_completion_before_its_course_waits_for_it_then_counts(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    service = training_service(nats_server.url, database_url)
    async with running(service):
        await send(js, event(xapi()), event(simple(learner_id="EMP-7"), agency="th-dip"))

        async def held() -> bool:
            return await count_rows(service, "held_completions") == 2

        await eventually(held, what="both completions held for their course")
        assert await skill_records(js) == []
        assert await count_rows(service, "completions") == 0
        await send(js, event(course()))

        async def counted() -> bool:
            return len(await skill_records(js)) == 4

        await eventually(counted, what="the held completions counted once the course arrived")
        assert await count_rows(service, "held_completions") == 0
        assert await count_rows(service, "completions") == 2
        assert await count_rows(service, "completion_records", state="applied") == 2
    assert [(u.skill_id, u.holders) for u in await skill_records(js)] == [
        (HACCP, 1),
        (HYGIENE, 1),
        (HACCP, 2),
        (HYGIENE, 2),
    ]


async def test_one_statement_in_two_events_counts_once_and_the_same_id_with_new_content_is_refused(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    service = training_service(nats_server.url, database_url)
    original = xapi()
    async with running(service):
        await send(
            js,
            event(course()),
            event(original, event_id="lms-batch-1"),
            # The LMS resends the batch under new CloudEvents ids: the same statement again is a no-op...
            event(original, event_id="lms-batch-2"),
            # ...but the same statement id with another score is a conflict.
            event(xapi(result={"score": {"scaled": 0.99}, "success": True}), event_id="lms-batch-3"),
            # A malformed statement is refused at once, and those behind it are processed.
            raw_event(xapi_payload(actor={"objectType": "Group", "member": []}), event_id="lms-batch-4"),
            event(simple(learner_id="EMP-7"), agency="th-dip", event_id="dip-1"),
        )

        async def settled() -> bool:
            return len(await dlq.scan(js)) == 2 and len(await skill_records(js)) == 4

        await eventually(settled, what="two dead letters and four skill record updates")
        assert await count_rows(service, "completions") == 2
        assert await count_rows(service, "credentials") == 2
    conflict, malformed = await dlq.scan(js)
    assert conflict.event_id == "lms-batch-3"
    assert conflict.failure.kind == "permanent"
    assert conflict.deliveries == 1
    assert conflict.failure.reason.startswith(
        "Statement fd41c918-b88b-4b20-a0a5-a4c32391aaa0 was already recorded with different content"
    )
    assert [(p.field, p.problem) for p in conflict.failure.problems] == [
        ("statement.id", "already recorded with different content")
    ]
    assert json.loads(conflict.body)["statement"]["result"]["score"]["scaled"] == 0.99, "kept as sent"
    assert malformed.event_id == "lms-batch-4"
    assert [p.field for p in malformed.failure.problems] == ["statement.actor.objectType"]
    notices = [json.loads(n.data or b"") for n in await stored(js, "COLLAB_OUT", "collab.out.jp-mie.rejected.v1")]
    assert [(n["event_id"], n["rejected_by"], n["problems"][0]["field"]) for n in notices] == [
        ("lms-batch-3", "training", "statement.id"),
        ("lms-batch-4", "training", "statement.actor.objectType"),
    ]
    assert [(u.skill_id, u.holders) for u in await skill_records(js)] == [
        (HACCP, 1),
        (HYGIENE, 1),
        (HACCP, 2),
        (HYGIENE, 2),
    ]
