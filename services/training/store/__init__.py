"""The training service's storage: courses, completion records, skill records, credentials; never commits."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.domain.completions import Completion, LearnerRef, completion_from_json, completion_to_json
from services.training.domain.courses import Course
from services.training.domain.credentials import Json
from services.training.domain.skills import LEVELS, CompanySkill, SkillCounts, SkillGain, delta
from services.training.store.tables import (
    CompanySkillRow,
    CompletionRow,
    CourseAttemptRow,
    CourseRow,
    CredentialRow,
    HeldCompletionRow,
    LearnerSkillRow,
    RecordRow,
    SkillAwardRow,
    TrainingBase,
    WithdrawnCompanyRow,
)
from shared.contracts.agency.training import Level
from shared.contracts.common import LocalizedText

__all__ = ["Erased", "StaleRecord", "TrainingBase", "TrainingStore"]

_LOCKS = 0x74726169  # "trai": the advisory-lock class of the training service's names
_Selector = Callable[[Any], ColumnElement[bool]]
"""Which rows of a personal-data table an erasure deletes (every such table has company_id and learner_key)."""


@dataclass(frozen=True, slots=True)
class Erased:
    """How many rows of personal data an erasure removed, by kind."""

    completions: int = 0
    held: int = 0
    skills: int = 0
    credentials: int = 0
    records: int = 0

    @property
    def total(self) -> int:
        return self.completions + self.held + self.skills + self.credentials


class StaleRecord(Exception):
    """Another replica changed what a decision was based on; retrying decides again (a transient error)."""


class TrainingStore:
    """The service's state, read and changed within the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        bind = session.bind
        self._postgresql = bind is not None and bind.dialect.name == "postgresql"

    async def take_turns(self, *names: str, exclusive: bool = False) -> None:
        """Lock `names`, in the order given, until the transaction ends, on PostgreSQL: shared, or `exclusive`.

        Replicas sharing the durable consumer handle neighbouring events at the same time. The
        catalogue is taken shared by completions and exclusively by a course publication, so that
        no completion is held for a course committed meanwhile; a company is taken shared by its
        completions and exclusively by an erasure or withdrawal, so that no completion is written
        behind an erasure's back. Completions never wait for each other. SQLite needs none of it:
        a writing transaction there holds the whole database.
        """
        if not self._postgresql or not names:
            return
        lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        keys = [int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True) for name in names]
        await self.session.execute(select(*(lock(_LOCKS, key) for key in dict.fromkeys(keys))))

    # --- Courses ---------------------------------------------------------------------------------

    async def course(self, course_id: str) -> Course | None:
        row = await self.session.get(CourseRow, course_id)
        return None if row is None else _course(row)

    async def course_with_activity(self, activity_id: str) -> Course | None:
        row = await self.session.scalar(select(CourseRow).where(CourseRow.activity_id == activity_id))
        return None if row is None else _course(row)

    async def course_for(self, completion: Completion) -> Course | None:
        """The course a completion names: by course id (simple form) or xAPI activity id."""
        if completion.course_id is not None:
            return await self.course(completion.course_id)
        assert completion.activity_id is not None
        return await self.course_with_activity(completion.activity_id)

    async def save_course(self, course: Course, *, published_at: datetime) -> None:
        row = await self.session.get(CourseRow, course.course_id)
        if row is None:
            row = CourseRow(course_id=course.course_id)
            self.session.add(row)
        row.agency = course.agency
        row.version = course.version
        row.digest = course.digest
        row.activity_id = course.activity_id
        row.title = course.title.model_dump(exclude_none=True)
        row.description = course.description.model_dump(exclude_none=True) if course.description else None
        row.provider = course.provider
        row.hours = course.hours
        row.level = course.level
        row.skills = list(course.skills)
        row.passing_score = course.passing_score
        row.published_at = published_at
        await self.session.flush()

    # --- Completion records and held completions -------------------------------------------------

    async def known_digest(self, record_key: str) -> str | None:
        """The content digest of a record received before under this key, if any."""
        digest: str | None = await self.session.scalar(
            select(RecordRow.digest).where(RecordRow.record_key == record_key)
        )
        return digest

    def note_record(self, completion: Completion, *, held: bool, received_at: datetime) -> None:
        self.session.add(
            RecordRow(
                record_key=completion.record_key,
                digest=completion.digest,
                company_id=completion.learner.company_id,
                learner_key=completion.learner.key,
                state="held" if held else "applied",
                received_at=received_at,
            )
        )

    def hold(self, completion: Completion, *, received_at: datetime) -> None:
        """Keep a completion until its course is published."""
        self.session.add(
            HeldCompletionRow(
                record_key=completion.record_key,
                company_id=completion.learner.company_id,
                learner_key=completion.learner.key,
                course_id=completion.course_id,
                activity_id=completion.activity_id,
                completed_at=completion.completed_at,
                completion=completion_to_json(completion),
                received_at=received_at,
            )
        )

    async def release_held(self, course: Course) -> list[Completion]:
        """The completions that waited for `course`, oldest first, no longer held."""
        names = [HeldCompletionRow.course_id == course.course_id]
        if course.activity_id is not None:
            names.append(HeldCompletionRow.activity_id == course.activity_id)
        rows = (
            await self.session.scalars(
                select(HeldCompletionRow).where(or_(*names)).order_by(HeldCompletionRow.completed_at)
            )
        ).all()
        if not rows:
            return []
        keys = [row.record_key for row in rows]
        await self.session.execute(delete(HeldCompletionRow).where(HeldCompletionRow.record_key.in_(keys)))
        await self.session.execute(update(RecordRow).where(RecordRow.record_key.in_(keys)).values(state="applied"))
        return [completion_from_json(row.completion) for row in rows]

    # --- Learners' records -----------------------------------------------------------------------

    def save_completion(self, completion: Completion, course: Course, *, passed: bool, recorded_at: datetime) -> None:
        self.session.add(
            CompletionRow(
                record_key=completion.record_key,
                company_id=completion.learner.company_id,
                learner_key=completion.learner.key,
                course_id=course.course_id,
                passed=passed,
                score_percent=completion.score.percent if completion.score else None,
                completed_at=completion.completed_at,
                recorded_at=recorded_at,
            )
        )

    async def learner_levels(self, learner: LearnerRef, skills: Iterable[str]) -> dict[str, Level]:
        """The levels at which the learner holds any of `skills`, locked until the transaction ends.

        Another replica recording the same learner waits here and then reads the level this
        transaction wrote, rather than counting a level change from a level no longer held.
        """
        rows = await self.session.execute(
            select(LearnerSkillRow.skill_id, LearnerSkillRow.level)
            .where(
                LearnerSkillRow.company_id == learner.company_id,
                LearnerSkillRow.learner_key == learner.key,
                LearnerSkillRow.skill_id.in_(list(skills)),
            )
            .with_for_update()
        )
        return {skill: _level(level) for skill, level in rows.tuples()}

    async def grant_skills(
        self, learner: LearnerRef, gains: Sequence[SkillGain], *, course_id: str, at: datetime
    ) -> None:
        """Record `gains`, provided the learner still holds what they were decided from.

        A replica that recorded the same learner in between makes the insert collide or the update
        miss: the completion is then retried, and decided again from what the learner holds now.
        """
        for gain in gains:
            if gain.previous is None:
                self.session.add(
                    LearnerSkillRow(
                        company_id=learner.company_id,
                        learner_key=learner.key,
                        skill_id=gain.skill_id,
                        level=gain.level,
                        course_id=course_id,
                        achieved_at=at,
                    )
                )
                continue
            changed = await self.session.execute(
                update(LearnerSkillRow)
                .where(
                    LearnerSkillRow.company_id == learner.company_id,
                    LearnerSkillRow.learner_key == learner.key,
                    LearnerSkillRow.skill_id == gain.skill_id,
                    LearnerSkillRow.level == gain.previous,
                )
                .values(level=gain.level, course_id=course_id, achieved_at=at)
                .execution_options(synchronize_session=False)
            )
            if int(getattr(changed, "rowcount", 0) or 0) != 1:
                raise StaleRecord(f"the learner's {gain.skill_id} level changed while this completion was recorded")
        await self.session.flush()

    def save_credential(
        self, credential_id: str, completion: Completion, course: Course, document: dict[str, Json], issued_at: datetime
    ) -> None:
        self.session.add(
            CredentialRow(
                credential_id=credential_id,
                record_key=completion.record_key,
                company_id=completion.learner.company_id,
                learner_key=completion.learner.key,
                course_id=course.course_id,
                issued_at=issued_at,
                document=cast(dict[str, object], document),
            )
        )

    async def credentials(self, learner_key: str, company_id: str | None = None) -> list[dict[str, object]]:
        """The learner's credentials, oldest first, at one company or all."""
        query = select(CredentialRow.document).where(CredentialRow.learner_key == learner_key)
        if company_id is not None:
            query = query.where(CredentialRow.company_id == company_id)
        rows = await self.session.scalars(query.order_by(CredentialRow.issued_at, CredentialRow.credential_id))
        return list(rows.all())

    # --- Aggregates ------------------------------------------------------------------------------

    async def add_to_company_skill(self, company_id: str, gain: SkillGain, *, at: datetime) -> CompanySkill:
        """Count `gain` in the company's record in one statement, so concurrent replicas lose no update."""
        changes = delta(gain)
        table = CompanySkillRow
        values: dict[str, Any] = {level: max(0, changes.get(level, 0)) for level in LEVELS}
        on_conflict: dict[str, Any] = {level: getattr(table, level) + change for level, change in changes.items()}
        statement = (
            self._insert(table)
            .values(company_id=company_id, skill_id=gain.skill_id, revision=1, updated_at=at, **values)
            .on_conflict_do_update(
                index_elements=[table.company_id, table.skill_id],
                set_={**on_conflict, "revision": table.revision + 1, "updated_at": at},
            )
            .returning(table.introductory, table.intermediate, table.advanced, table.revision)
        )
        introductory, intermediate, advanced, revision = (await self.session.execute(statement)).one()
        return CompanySkill(
            company_id=company_id,
            skill_id=gain.skill_id,
            counts=SkillCounts(introductory=introductory, intermediate=intermediate, advanced=advanced),
            revision=revision,
            updated_at=at,
        )

    def count_awards(self, gains: Iterable[SkillGain], *, at: datetime) -> None:
        self.session.add_all(
            SkillAwardRow(skill_id=gain.skill_id, level=gain.level, previous=gain.previous, recorded_at=at)
            for gain in gains
        )

    async def programme_skills(self) -> dict[str, SkillCounts]:
        """Staff trained in each skill across the programme, by level, erased learners included."""
        awards = await self.session.execute(
            select(SkillAwardRow.skill_id, SkillAwardRow.level, SkillAwardRow.previous, func.count()).group_by(
                SkillAwardRow.skill_id, SkillAwardRow.level, SkillAwardRow.previous
            )
        )
        totals: dict[str, Counter[str]] = defaultdict(Counter)
        for skill, level, previous, count in awards.tuples():
            totals[skill][level] += count
            if previous is not None:
                totals[skill][previous] -= count
        return {skill: SkillCounts(**{level: counts[level] for level in LEVELS}) for skill, counts in totals.items()}

    def count_attempt(self, course_id: str, *, passed: bool, at: datetime) -> None:
        self.session.add(CourseAttemptRow(course_id=course_id, passed=passed, recorded_at=at))

    async def course_attempts(self, course_id: str) -> tuple[int, int]:
        """Attempts at the course, passed and failed, erased learners included."""
        rows = await self.session.execute(
            select(CourseAttemptRow.passed, func.count())
            .where(CourseAttemptRow.course_id == course_id)
            .group_by(CourseAttemptRow.passed)
        )
        counts = dict(rows.tuples().all())
        return counts.get(True, 0), counts.get(False, 0)

    # --- Erasure and withdrawal ------------------------------------------------------------------

    async def erase_learner(self, learner: LearnerRef) -> Erased:
        """Delete the learner's personal data at the company; the company's counts stay as they are."""
        return await self._erase(
            lambda table: (table.company_id == learner.company_id) & (table.learner_key == learner.key)
        )

    async def erase_company(self, company_id: str, *, withdrawn_at: datetime) -> Erased:
        """Delete every learner's personal data at the company, reset its skill counts, note the withdrawal.

        The counts go to zero but each record keeps its revision, so that the events of a company
        that registers again continue the numbering consumers order them by.
        """
        erased = await self._erase(lambda table: table.company_id == company_id)
        await self.session.execute(
            update(CompanySkillRow)
            .where(CompanySkillRow.company_id == company_id)
            .values(introductory=0, intermediate=0, advanced=0, updated_at=withdrawn_at)
        )
        if await self.session.get(WithdrawnCompanyRow, company_id) is None:
            self.session.add(WithdrawnCompanyRow(company_id=company_id, withdrawn_at=withdrawn_at))
        return erased

    async def withdrawn_at(self, company_id: str) -> datetime | None:
        row = await self.session.get(WithdrawnCompanyRow, company_id)
        return None if row is None else row.withdrawn_at

    async def readmit(self, company_id: str) -> None:
        """The company registered again: its learners' completions count from now on."""
        await self.session.execute(delete(WithdrawnCompanyRow).where(WithdrawnCompanyRow.company_id == company_id))

    async def _erase(self, which: _Selector) -> Erased:
        counts = {}
        for name, table in (
            ("completions", CompletionRow),
            ("held", HeldCompletionRow),
            ("skills", LearnerSkillRow),
            ("credentials", CredentialRow),
        ):
            result = await self.session.execute(delete(table).where(which(table)))
            counts[name] = int(getattr(result, "rowcount", 0) or 0)
        forgotten = await self.session.execute(
            update(RecordRow).where(which(RecordRow)).values(learner_key=None, state="erased")
        )
        return Erased(records=int(getattr(forgotten, "rowcount", 0) or 0), **counts)

    def _insert(self, table: type[TrainingBase]) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that can turn into an UPDATE (`ON CONFLICT`): both databases speak it, in their dialects."""
        return postgresql.insert(table) if self._postgresql else sqlite.insert(table)


def _course(row: CourseRow) -> Course:
    return Course(
        course_id=row.course_id,
        agency=row.agency,
        version=row.version,
        digest=row.digest,
        title=LocalizedText.model_validate(row.title),
        description=LocalizedText.model_validate(row.description) if row.description else None,
        provider=row.provider,
        hours=row.hours,
        level=_level(row.level),
        skills=tuple(row.skills),
        activity_id=row.activity_id,
        passing_score=row.passing_score,
    )


def _level(value: str) -> Level:
    for level in LEVELS:
        if level == value:
            return level
    raise ValueError(f"unknown level {value!r} in the database")
