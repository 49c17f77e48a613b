"""The matching service's use cases: a profile submitted or withdrawn, a response, a skill record, expiry.

Each handler loads what it needs (from memory, kept current per batch, or from the database),
decides through the pure domain, then saves and emits through the batch's transaction.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.matching import store
from services.matching.config import MatchingSettings
from services.matching.domain.index import CandidateIndex
from services.matching.domain.matches import (
    Party,
    ResponseRefused,
    confirmation,
    declined,
    expire,
    match_id,
    pair_key,
    propose,
    respond,
    withdraw,
)
from services.matching.domain.profiles import (
    TAG,
    Capability,
    Company,
    ProfileRejected,
    Vocabulary,
    certification,
    read_profile,
    shared,
    tag_text,
    term,
)
from services.matching.domain.scoring import Weights, assess
from services.matching.handlers.memory import Batch, Holding, Known, Memory
from shared.contracts.agency.company import ProfileSubmitted, ProfileWithdrawn
from shared.contracts.agency.match import MatchResponseSubmitted
from shared.contracts.common import LocalizedText
from shared.contracts.rejections import Problem
from shared.contracts.training import SkillRecordUpdated
from shared.messaging.envelope import Event
from shared.messaging.errors import PermanentError
from shared.messaging.transaction import Transaction
from shared.runtime.service import Service
from shared.taxonomy import Skill, Taxonomy

log = logging.getLogger(__name__)

_EVENT_IDS = uuid.UUID("6f1d7c52-3a8e-4b0f-9d2c-5e7a1b3c9f80")
_EXPIRY_BATCH = 500


def weights_from(settings: MatchingSettings) -> Weights:
    return Weights(
        field=settings.weight_field,
        partnership=settings.weight_partnership,
        language=settings.weight_language,
        sector=settings.weight_sector,
        certification=settings.weight_certification,
        capability=settings.weight_capability,
        saturation=settings.need_saturation,
    )


def _event_id(match: str, step: str) -> str:
    """Each step of a match happens once, so its event id derives from both: a repeat is a duplicate."""
    return str(uuid.uuid5(_EVENT_IDS, f"{match}:{step}"))


class Matchmaker:
    """The handlers, bound to the settings, the vocabulary and the in-memory index they share."""

    def __init__(self, settings: MatchingSettings, vocabulary: Vocabulary, skills: Taxonomy[Skill]) -> None:
        self.settings = settings
        self.vocabulary = vocabulary
        self.weights = weights_from(settings)
        self.ttl = timedelta(days=settings.expiry_days)
        self._skills = skills
        self._evidence: dict[str, Capability] = {}
        index = CandidateIndex(self.weights, cross_border_only=settings.cross_border_only)
        self.memory = Memory(index, self._capabilities)

    # --- start-up and batches --------------------------------------------------------------------

    async def load(self, service: Service) -> None:
        """Start-up hook: fill the memory from the database before any event is handled."""
        await self.load_from(service.sessions)

    async def load_from(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        await self.memory.fill(sessions)
        log.info(
            "matching: %d companies indexed (%d stored), %d pairs proposed so far, revision %d",
            len(self.memory.index),
            len(self.memory.known),
            len(self.memory.pairs),
            self.memory.revision,
        )

    def _capabilities(self, holdings: dict[str, Holding]) -> tuple[Capability, ...]:
        return tuple(
            self._capability(skill_id)
            for skill_id, holding in sorted(holdings.items())
            if holding.holders >= self.settings.min_skill_holders and skill_id in self._skills
        )

    def _capability(self, skill_id: str) -> Capability:
        """What a skill evidences: its taxonomy tags as offered terms, its certifications as held."""
        found = self._evidence.get(skill_id)
        if found is None:
            skill = self._skills[skill_id]
            found = Capability(
                skill_id,
                frozenset(term(TAG + tag_text(tag)) for tag in skill.tags),
                shared(frozenset(certification(name) for name in skill.certifications)),
            )
            self._evidence[skill_id] = found
        return found

    # --- use cases ---------------------------------------------------------------------------------

    async def submit_profile(self, event: Event[ProfileSubmitted], tx: Transaction) -> None:
        """A new or changed profile: store it, index it, propose its best partners not proposed before."""
        batch = await self.memory.batch(tx)
        data, agency = event.data, _agency(event)
        known = self.memory.known.get(data.company_id)
        _check_owner(known, data.company_id, agency)
        if known is not None and data.profile_version <= known.version:
            log.info(
                "matching: %s version %d ignored: version %d is stored",
                data.company_id,
                data.profile_version,
                known.version,
            )
            return
        try:
            company = read_profile(data, agency=agency, vocabulary=self.vocabulary)
        except ProfileRejected as rejected:
            raise PermanentError(rejected.reason, rejected.problems) from None
        company = company.with_capabilities(self.memory.capabilities_of(company.company_id))
        now = datetime.now(UTC)
        revision = await self.memory.revision_for(tx, batch)
        batch.record(
            batch.writes.save_profile(company, data.contact, exists=known is not None, revision=revision, now=now)
        )
        was_matchable = company.company_id in self.memory.index
        self.memory.set_known(batch, company.company_id, Known(company.version, agency, active=True))
        if company.matchable:
            self.memory.put(batch, company)
            await self._propose(tx, batch, company, now)
        elif was_matchable:
            self.memory.remove(batch, company.company_id)
            await self._withdraw_open_matches(tx, batch, company.company_id, now)

    async def withdraw_profile(self, event: Event[ProfileWithdrawn], tx: Transaction) -> None:
        """The company leaves: erase its contact and name, withdraw its open matches."""
        batch = await self.memory.batch(tx)
        company_id = event.data.company_id
        known = self.memory.known.get(company_id)
        if known is None:
            log.info("matching: withdrawal of %s, which was never submitted: nothing to erase", company_id)
            return
        _check_owner(known, company_id, _agency(event))
        if not known.active:
            return
        now = datetime.now(UTC)
        revision = await self.memory.revision_for(tx, batch)
        batch.record(batch.writes.erase_profile(company_id, revision=revision, now=now))
        self.memory.set_known(batch, company_id, Known(known.version, known.agency, active=False))
        self.memory.remove(batch, company_id)
        await self._withdraw_open_matches(tx, batch, company_id, now)
        log.info("matching: %s withdrawn and its personal data erased", company_id)

    async def answer(self, event: Event[MatchResponseSubmitted], tx: Transaction) -> None:
        """One side's answer: accepted by one, confirmed by both (with contacts), or declined."""
        batch = await self.memory.batch(tx)
        data = event.data
        found = await store.match_to_answer(tx.session, batch.writes, data.match_id)
        if found is None:
            raise PermanentError(
                f"There is no match {data.match_id}.",
                [Problem(field="match_id", problem="no match has this id; use the match_id of a match.proposed event")],
            )
        known = self.memory.known.get(data.company_id)
        if known is not None and data.company_id in found.match.parties:
            _check_owner(known, data.company_id, _agency(event))
        try:
            answered = respond(found.match, data.company_id, data.response, datetime.now(UTC))
        except ResponseRefused as refused:
            raise PermanentError(refused.reason, refused.problems) from None
        if answered.outcome == "unchanged":
            log.info("matching: %s answered %s to %s again", data.company_id, data.response, data.match_id)
            return
        batch.record(found.change(answered.match))
        match = answered.match
        if answered.outcome == "declined":
            tx.emit(
                declined(match, data.company_id),
                subject_id=match.match_id,
                event_id=_event_id(match.match_id, "declined"),
            )
        elif answered.outcome == "confirmed":
            stored = await store.parties(tx.session, batch.writes, match.parties)
            a, b = (_party(stored.get(company_id), company_id) for company_id in match.parties)
            tx.emit(
                confirmation(match, a, b), subject_id=match.match_id, event_id=_event_id(match.match_id, "confirmed")
            )

    async def record_skill(self, event: Event[SkillRecordUpdated], tx: Transaction) -> None:
        """A company's skill record changed: a verified capability gained or lost, perhaps new matches."""
        batch = await self.memory.batch(tx)
        data = event.data
        before = self.memory.holdings.get(data.company_id, {}).get(data.skill_id)
        if before is not None and data.updated_at < before.updated_at:
            log.info("matching: skill record %s/%s older than the stored one, ignored", data.company_id, data.skill_id)
            return
        if data.skill_id not in self._skills:
            log.warning(
                "matching: skill %s is not in the skills taxonomy; recorded, but evidences nothing", data.skill_id
            )
        revision = await self.memory.revision_for(tx, batch)
        batch.record(
            batch.writes.save_skill(
                data.company_id,
                data.skill_id,
                holders=data.holders,
                updated_at=data.updated_at,
                exists=before is not None,
                revision=revision,
            )
        )
        self.memory.hold(batch, data.company_id, data.skill_id, Holding(data.holders, data.updated_at))
        company = self.memory.index.get(data.company_id)
        if company is None:
            return  # not (yet) matchable: its profile will pick the capability up
        updated = company.with_capabilities(self.memory.capabilities_of(data.company_id))
        if updated is company:
            return
        self.memory.put(batch, updated)
        await self._propose(tx, batch, updated, datetime.now(UTC))

    async def expire_matches(self, service: Service) -> None:
        """Background task: close proposals that were not answered by both sides in time."""
        while True:
            now = datetime.now(UTC)
            async with service.transaction() as tx:
                due = await store.due_matches(tx.session, now, limit=_EXPIRY_BATCH)
                for row in due:
                    closed, expired = expire(store.as_match(row), now)
                    store.record_state(row, closed)
                    tx.emit(expired, subject_id=row.match_id, event_id=_event_id(row.match_id, "expired"))
            if due:
                log.info("matching: %d proposals expired", len(due))
            if len(due) < _EXPIRY_BATCH:
                await asyncio.sleep(self.settings.expiry_check_seconds)

    # --- shared steps -----------------------------------------------------------------------------

    async def _propose(self, tx: Transaction, batch: Batch, company: Company, now: datetime) -> None:
        ranked = self.memory.index.search(company, k=self.settings.top_k, threshold=self.settings.threshold)
        for found in ranked:
            pair = match_id(company.company_id, found.company.company_id)
            key = pair_key(pair)
            if key in self.memory.pairs:
                continue
            assessment = assess(company, found.company, self.weights)
            match, proposed = propose(company, found.company, assessment, now, self.ttl)
            batch.record(
                batch.writes.add_match(
                    match,
                    score=proposed.score,
                    reasons=[reason.model_dump(mode="json", exclude_defaults=True) for reason in proposed.reasons],
                    interpreter_needed=proposed.interpreter_needed,
                    revision=await self.memory.revision_for(tx, batch),
                )
            )
            self.memory.add_pair(batch, key)
            tx.emit(proposed, subject_id=pair, event_id=_event_id(pair, "proposed"))

    async def _withdraw_open_matches(self, tx: Transaction, batch: Batch, company_id: str, now: datetime) -> None:
        for found in await store.open_matches_of(tx.session, batch.writes, company_id):
            closed, withdrawn = withdraw(found.match, company_id, now)
            batch.record(found.change(closed))
            tx.emit(withdrawn, subject_id=closed.match_id, event_id=_event_id(closed.match_id, "withdrawn"))


def _agency(event: Event[ProfileSubmitted] | Event[ProfileWithdrawn] | Event[MatchResponseSubmitted]) -> str:
    assert event.agency is not None, "collab.in subjects always name their agency"
    return event.agency


def _check_owner(known: Known | None, company_id: str, agency: str) -> None:
    if known is not None and known.agency != agency:
        raise PermanentError(
            f"Company {company_id} is registered by agency {known.agency}; only it may send events about it.",
            [Problem(field="company_id", problem=f"belongs to {known.agency}, not {agency}")],
        )


def _party(row: store.PartyRow | None, company_id: str) -> Party:
    if row is None:
        return Party(company_id, "unknown", LocalizedText(en=company_id), None, False)
    name = LocalizedText.model_validate(row.name) if row.name else LocalizedText(en=company_id)
    return Party(company_id, row.agency, name, row.contact, row.share_contact)
