"""Two replicas sharing the durable consumer: every learner counted once, at their highest level."""

from __future__ import annotations

import uuid

from nats.js import JetStreamContext

from shared.messaging import dlq
from tests.integration.training.support import (
    count_rows,
    course,
    event,
    rows,
    running,
    send,
    simple,
    skill_records,
    training_service,
    xapi,
)
from tests.support.infra import Broker
from tests.support.probe import eventually

COMPANY = "th-0105551234567"
LEARNERS = 40
ACTIVITY = "https://lms.mie-iri.example.jp/xapi/activities/course/lean-"


async def test_replicas_count_each_learner_once_whatever_order_they_handle_completions_in(
    nats_server: Broker, js: JetStreamContext, database_url: str
) -> None:
    replicas = [training_service(nats_server.url, database_url, fetch_batch=7) for _ in range(2)]
    courses = [
        course(course_id=f"c-lean-{level}", level=level, skills=["lean_manufacturing"], activity_id=ACTIVITY + level)
        for level in ("introductory", "intermediate", "advanced")
    ]
    completions = []
    for n in range(LEARNERS):
        # Every learner passes the three levels, in an order that depends on them; half arrive before
        # their courses are published, and the same statement is sent twice.
        levels = ["introductory", "intermediate", "advanced"][n % 3 :] + ["introductory", "intermediate"][: n % 3]
        for level in levels:
            if n % 2:
                completions.append(event(simple(learner_id=f"EMP-{n}", course_id=f"c-lean-{level}")))
            else:
                statement_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{n}:{level}"))
                learner = {"mbox": f"mailto:l{n}@example.co.th"}
                completion = xapi(id=statement_id, actor=learner, object={"id": ACTIVITY + level})
                completions += [event(completion), event(completion)]
    half = len(completions) // 2
    async with running(replicas[0]), running(replicas[1]):
        await send(js, *completions[:half], *(event(published) for published in courses), *completions[half:])

        async def all_recorded() -> bool:
            return await count_rows(replicas[0], "completions") == LEARNERS * 3

        await eventually(all_recorded, timeout=90, what="every completion recorded")
        [record] = await rows(replicas[0], "company_skills")
        assert (record["introductory"], record["intermediate"], record["advanced"]) == (0, 0, LEARNERS)
        revision: int = record["revision"]
        assert await count_rows(replicas[0], "learner_skills", level="advanced") == LEARNERS
        assert await count_rows(replicas[0], "held_completions") == 0
        assert await count_rows(replicas[0], "credentials") == LEARNERS * 3

        async def all_published() -> bool:
            return len(await skill_records(js)) == revision

        await eventually(all_published, what="every change published")
    updates = await skill_records(js)
    assert sorted(update.revision or 0 for update in updates) == list(range(1, revision + 1))
    last = max(updates, key=lambda update: update.revision or 0)
    assert (last.holders, last.levels.advanced) == (LEARNERS, LEARNERS)
    assert await dlq.scan(js) == []
