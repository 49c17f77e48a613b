"""Erasure: a learner's request and a company's withdrawal delete personal data; anonymous counts stay."""

from __future__ import annotations

import hashlib

from nats.js import JetStreamContext

from services.training.domain.skills import SkillCounts
from shared.contracts.training import SkillLevels
from shared.messaging import dlq
from shared.runtime.service import Service
from tests.integration.training.support import (
    count_rows,
    course,
    erasure,
    event,
    profile,
    reading,
    rows,
    running,
    send,
    simple,
    skill_records,
    training_service,
    withdrawal,
    xapi,
)
from tests.support.infra import Broker
from tests.support.probe import eventually, stored

COMPANY = "th-0105551234567"
OTHER = "th-0105559999999"
SOMCHAI = "sha1:" + hashlib.sha1(b"mailto:somchai@example.co.th").hexdigest()
PERSONAL = ("completions", "held_completions", "learner_skills", "credentials")


async def personal_rows(service: Service, **where: str) -> dict[str, int]:
    return {table: await count_rows(service, table, **where) for table in PERSONAL}


async def test_a_learner_erasure_deletes_their_records_and_keeps_the_company_counts(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    service = training_service(nats_server.url, database_url)
    async with running(service):
        await send(
            js,
            event(course()),
            event(xapi()),  # Somchai: HACCP and hygiene
            event(simple(learner_id="EMP-7"), agency="th-dip"),
            event(simple(learner_id="EMP-7", course_id="c-not-yet-published", record_id="r-2"), agency="th-dip"),
        )

        async def recorded() -> bool:
            return len(await skill_records(js)) == 4 and await count_rows(service, "held_completions") == 1

        await eventually(recorded, what="both learners recorded")
        assert await personal_rows(service, learner_key=SOMCHAI) == {
            "completions": 1,
            "held_completions": 0,
            "learner_skills": 2,
            "credentials": 1,
        }
        await send(
            js,
            event(erasure(COMPANY, mbox="mailto:somchai@example.co.th")),
            event(erasure(COMPANY, learner_id="EMP-7"), agency="th-dip"),
            event(erasure(COMPANY, learner_id="never-seen")),  # nothing to erase: fine
            # Afterwards, a new learner gains HACCP: the last event, after the erasures.
            event(simple(learner_id="EMP-9"), agency="th-dip"),
        )

        async def new_learner_counted() -> bool:
            return len(await skill_records(js)) == 6

        await eventually(new_learner_counted, what="the new learner counted after the erasures")
        assert await personal_rows(service, learner_key=SOMCHAI) == dict.fromkeys(PERSONAL, 0)
        assert await personal_rows(service, learner_key="id:EMP-7") == dict.fromkeys(PERSONAL, 0)
        assert await personal_rows(service, learner_key="id:EMP-9") == {
            "completions": 1,
            "held_completions": 0,
            "learner_skills": 2,
            "credentials": 1,
        }
        records = await rows(service, "completion_records")
        assert {row["learner_key"] for row in records} == {None, "id:EMP-9"}
        assert sum(row["state"] == "erased" for row in records) == 3, "kept as id and digest only"
        assert await count_rows(service, "completion_records", learner_key=SOMCHAI) == 0
        counts = {row["skill_id"]: row for row in await rows(service, "company_skills")}
        assert counts["food_safety_haccp"]["intermediate"] == 3, "erased learners still count, anonymously"
        assert await dlq.scan(js) == []
        # The same statement sent again after the erasure does not bring the learner back.
        await send(js, event(xapi()), event(simple(learner_id="EMP-10"), agency="th-dip"))

        async def last_counted() -> bool:
            return len(await skill_records(js)) == 8

        await eventually(last_counted, what="the last learner counted")
        assert await personal_rows(service, learner_key=SOMCHAI) == dict.fromkeys(PERSONAL, 0)
    updates = await skill_records(js)
    assert [(u.skill_id, u.holders) for u in updates[4:]] == [
        ("food_safety_haccp", 3),
        ("food_hygiene", 3),
        ("food_safety_haccp", 4),
        ("food_hygiene", 4),
    ], "no event for the erasures themselves: the company's counts did not change"


async def test_a_withdrawn_company_loses_its_personal_data_and_records_until_it_registers_again(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    service = training_service(nats_server.url, database_url)
    async with running(service):
        await send(
            js,
            event(course()),
            event(xapi()),
            event(simple(learner_id="EMP-7", course_id="c-later"), agency="th-dip"),  # held
            event(xapi(OTHER, id="7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")),  # another company
        )

        async def recorded() -> bool:
            return len(await skill_records(js)) == 4 and await count_rows(service, "held_completions") == 1

        await eventually(recorded, what="both companies recorded")
        await send(
            js,
            event(withdrawal(COMPANY), agency="th-dip"),
            event(simple(learner_id="EMP-8"), agency="th-dip", event_id="after-withdrawal"),
        )

        async def withdrawn() -> bool:
            return len(await dlq.scan(js)) == 1

        await eventually(withdrawn, what="the completion after the withdrawal refused")
        assert await personal_rows(service, company_id=COMPANY) == dict.fromkeys(PERSONAL, 0)
        reset = {row["skill_id"]: row for row in await rows(service, "company_skills") if row["company_id"] == COMPANY}
        assert {skill: (row["intermediate"], row["revision"]) for skill, row in reset.items()} == {
            "food_safety_haccp": (0, 1),
            "food_hygiene": (0, 1),
        }
        await send(
            js,
            event(profile(COMPANY), agency="th-dip"),
            event(simple(learner_id="EMP-9"), agency="th-dip"),
        )

        async def rejoined_and_counted() -> bool:
            return len(await skill_records(js)) == 6

        await eventually(rejoined_and_counted, what="the re-registered company's completion counted")
        assert await personal_rows(service, company_id=COMPANY) == {
            "completions": 1,
            "held_completions": 0,
            "learner_skills": 2,
            "credentials": 1,
        }, "only EMP-9, recorded after the company registered again"
        assert await count_rows(service, "completion_records", company_id=COMPANY, state="erased") == 2
        assert await personal_rows(service, company_id=OTHER) == {
            "completions": 1,
            "held_completions": 0,
            "learner_skills": 2,
            "credentials": 1,
        }
        async with reading(service) as store:
            programme = await store.programme_skills()
        assert programme == dict.fromkeys(("food_safety_haccp", "food_hygiene"), SkillCounts(intermediate=3)), (
            "anonymous totals survive the withdrawal"
        )
    [refused] = await dlq.scan(js)
    assert refused.event_id == "after-withdrawal"
    assert "withdrew from the programme" in refused.failure.reason
    assert [p.field for p in refused.failure.problems] == ["company_id"]
    [notice] = await stored(js, "COLLAB_OUT", "collab.out.th-dip.rejected.v1")
    assert notice.headers is not None
    assert notice.headers["ce-subject"] == "after-withdrawal"
    updates = await skill_records(js)
    assert [(u.company_id, u.skill_id, u.holders, u.levels, u.revision) for u in updates[4:]] == [
        (COMPANY, "food_safety_haccp", 1, SkillLevels(intermediate=1), 2),
        (COMPANY, "food_hygiene", 1, SkillLevels(intermediate=1), 2),
    ], "the company's counts started afresh when it came back; the revisions go on"
