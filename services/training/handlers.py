"""The training service's use cases, one method each: load, decide (domain), save and emit."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.training.domain.completions import (
    Completion,
    LearnerRef,
    Refusal,
    is_repeat,
    learner_key,
    read_completion,
)
from services.training.domain.courses import Course, course_change, passed, read_course
from services.training.domain.credentials import Issuer, credential_id, open_badge
from services.training.domain.skills import skill_gains, skill_record_updated
from services.training.store import TrainingStore
from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.training import CompletionRecorded, CoursePublished, Learner, LearnerErasureRequested
from shared.contracts.rejections import Problem
from shared.messaging.envelope import Event
from shared.messaging.errors import PermanentError
from shared.messaging.transaction import Transaction
from shared.taxonomy import Skill, Taxonomy

log = logging.getLogger(__name__)

CATALOGUE = "catalogue"


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """A domain refusal becomes a permanent error: dead-lettered, and the agency told why."""
    try:
        yield
    except Refusal as refusal:
        raise PermanentError(refusal.reason, refusal.problems) from None


def _now() -> datetime:
    return datetime.now(UTC)


class Training:
    """The handlers, bound to the skills taxonomy and the credentials' issuer."""

    def __init__(
        self,
        *,
        skills: Taxonomy[Skill],
        issuer: Issuer,
        clock: Callable[[], datetime] = _now,
        salt: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.skills = skills
        self.issuer = issuer
        self._clock = clock
        self._salt = salt

    async def publish_course(self, event: Event[CoursePublished], tx: Transaction) -> None:
        """Add or update a course, then count the completions that were waiting for it."""
        assert event.agency is not None
        store = TrainingStore(tx.session)
        with refusals():
            course = read_course(event.data, agency=event.agency, known_skills=self.skills.entries)
        await store.take_turns(CATALOGUE, exclusive=True)
        current = await store.course(course.course_id)
        owner = await store.course_with_activity(course.activity_id) if course.activity_id else None
        with refusals():
            change = course_change(current, course, activity_owner=owner.course_id if owner else None)
        if change in ("same", "older"):
            return
        now = self._clock()
        await store.save_course(course, published_at=now)
        released = await store.release_held(course)
        await store.take_turns(*(_company(completion.learner.company_id) for completion in released))
        for completion in released:
            await self._apply(store, tx, completion, course)

    async def record_completion(self, event: Event[CompletionRecorded], tx: Transaction) -> None:
        """Record a learner's completion: their skills, the company's counts, a credential; or hold it."""
        assert event.agency is not None
        store = TrainingStore(tx.session)
        with refusals():
            completion = read_completion(event.data, agency=event.agency)
        company = completion.learner.company_id
        await store.take_turns(CATALOGUE, _company(company))
        with refusals():
            if is_repeat(await store.known_digest(completion.record_key), completion):
                return
        if (withdrawn := await store.withdrawn_at(company)) is not None:
            raise PermanentError(
                f"Company {company} withdrew from the programme on {withdrawn:%Y-%m-%d}; completions of its "
                "staff are not recorded until it registers again.",
                [Problem(field="company_id", problem="withdrawn from the programme")],
            )
        course = await store.course_for(completion)
        now = self._clock()
        store.note_record(completion, held=course is None, received_at=now)
        if course is None:
            # Catalogues and LMSs are separate systems: a completion may arrive before its course.
            store.hold(completion, received_at=now)
            return
        await self._apply(store, tx, completion, course)

    async def _apply(self, store: TrainingStore, tx: Transaction, completion: Completion, course: Course) -> None:
        now = self._clock()
        success = passed(completion, course)
        store.save_completion(completion, course, passed=success, recorded_at=now)
        store.count_attempt(course.course_id, passed=success, at=now)
        if not success:
            return
        learner = completion.learner
        gains = skill_gains(await store.learner_levels(learner, course.skills), course.skills, course.level)
        await store.grant_skills(learner, gains, course_id=course.course_id, at=completion.completed_at)
        for gain in gains:
            record = await store.add_to_company_skill(learner.company_id, gain, at=now)
            update = skill_record_updated(record, self.skills.entries.get(gain.skill_id), course)
            tx.emit(update, subject_id=learner.company_id, event_id=record.event_id)
        store.count_awards(gains, at=now)
        document = open_badge(
            completion, course, skills=self.skills.entries, issuer=self.issuer, salt=self._salt(), issued_at=now
        )
        store.save_credential(credential_id(completion.record_key), completion, course, document, now)

    async def erase_learner(self, event: Event[LearnerErasureRequested], tx: Transaction) -> None:
        """Delete a learner's personal data; the company's skill counts stay, anonymised."""
        learner = LearnerRef(event.data.company_id, learner_key(event.data.learner))
        store = TrainingStore(tx.session)
        await store.take_turns(_company(learner.company_id), exclusive=True)
        erased = await store.erase_learner(learner)
        log.info("erased a learner of %s on request (%d rows of personal data)", learner.company_id, erased.total)

    async def withdraw_company(self, event: Event[ProfileWithdrawn], tx: Transaction) -> None:
        """The company left: delete its learners' personal data, reset its skill counts, refuse its completions."""
        company = event.data.company_id
        store = TrainingStore(tx.session)
        await store.take_turns(_company(company), exclusive=True)
        erased = await store.erase_company(company, withdrawn_at=event.time or self._clock())
        log.info("%s withdrew: erased %d rows of its learners' personal data", company, erased.total)

    async def readmit_company(self, event: Event[ProfileSubmitted], tx: Transaction) -> None:
        """A company (re)registered: completions of its staff are accepted again."""
        store = TrainingStore(tx.session)
        if await store.withdrawn_at(event.data.company_id) is None:
            return  # the usual case: a profile update of a company that never left
        await store.take_turns(_company(event.data.company_id), exclusive=True)
        await store.readmit(event.data.company_id)


def _company(company_id: str) -> str:
    return f"company:{company_id}"


async def credentials_for(session: AsyncSession, learner: Learner, company_id: str | None) -> list[dict[str, object]]:
    """The Open Badges credentials issued to a learner, at one company or at all."""
    return await TrainingStore(session).credentials(learner_key(learner), company_id)
