"""What matching keeps in memory (the index, stored versions, skill holdings, pairs proposed) and how it stays true.

The memory mirrors the database. A process fills it at start-up; before a batch uses it, the batch
takes the matching lock (one matching transaction at a time, across replicas) and reads what other
processes committed since the revision the memory has seen. Changes a batch makes are applied to the
memory at once, so later events of the same batch see them, and journalled: if the batch, or the
savepoint of one of its events, rolls back, the journal undoes them. Nothing else writes it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from services.matching import store
from services.matching.domain.index import CandidateIndex
from services.matching.domain.matches import pair_key
from services.matching.domain.profiles import Capability, Company, from_record
from shared.messaging.transaction import Transaction

log = logging.getLogger(__name__)

_BATCH = "kakehashi.matching.batch"
Undo = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Known:
    """A stored profile's version and owner, kept for every company, matchable or not."""

    version: int
    agency: str
    active: bool


@dataclass(frozen=True, slots=True)
class Holding:
    """A skill record: how many staff hold the skill, as of when."""

    holders: int
    updated_at: datetime


@dataclass(slots=True)
class Batch:
    """One transaction's use of the memory: its journal, its revision, the rows it wrote."""

    journal: list[tuple[SessionTransaction | None, Undo]] = field(default_factory=list)
    revision: int | None = None
    locked: bool = False
    holds_process_lock: bool = False
    writes: store.Writes = field(default_factory=store.Writes)
    session: Session | None = None

    def record(self, undo: Undo) -> None:
        """Remember how to take a change back, under the savepoint it was made in (if any)."""
        assert self.session is not None
        self.journal.append((self.session.get_nested_transaction(), undo))

    def undo(self, rolled_back: SessionTransaction) -> None:
        """Take back what was done under `rolled_back` (and its savepoints), newest first."""
        keep: list[tuple[SessionTransaction | None, Undo]] = []
        for index in range(len(self.journal) - 1, -1, -1):
            made_in, take_back = self.journal[index]
            if rolled_back.parent is None or _within(made_in, rolled_back):
                take_back()
            else:
                keep.append(self.journal[index])
        self.journal = keep[::-1]


def _within(made_in: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    transaction = made_in
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


class Memory:
    """The in-memory state matching reads for every event."""

    def __init__(self, index: CandidateIndex, capabilities: Callable[[dict[str, Holding]], tuple[Capability, ...]]):
        self.index = index
        self.known: dict[str, Known] = {}
        self.holdings: dict[str, dict[str, Holding]] = {}
        self.pairs: set[int] = set()
        self.revision = 0
        """The last committed revision the memory reflects."""
        self.process_lock = asyncio.Lock()
        """One batch at a time in this process uses the memory (the database lock covers other processes)."""
        self._capabilities = capabilities

    def capabilities_of(self, company_id: str) -> tuple[Capability, ...]:
        return self._capabilities(self.holdings.get(company_id, {}))

    # --- filling and holding -----------------------------------------------------------------------

    async def fill(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Everything stored, at start-up, before any event is handled."""
        async with sessions() as session, session.begin():
            await store.take_matching_lock(session)
            revision = await store.current_revision(session)
            changes = await store.changes_since(session, 0)
        self.load(changes, revision)
        # The stored companies live as long as the process: keep the cyclic garbage collector from
        # walking all of them again on every full collection (a 25 % throughput loss, measured).
        gc.collect()
        gc.freeze()

    async def batch(self, tx: Transaction) -> Batch:
        """This transaction's hold on the memory: taken on first use, current with every replica's commits."""
        batch: Batch | None = tx.session.info.get(_BATCH)
        if batch is None:
            await self.process_lock.acquire()
            batch = Batch(holds_process_lock=True)
            tx.session.info[_BATCH] = batch
            follow(tx.session.sync_session, batch, self)
        if not batch.locked:
            await store.take_matching_lock(tx.session)
            revision = await store.current_revision(tx.session)
            if revision != self.revision:
                changes = await store.changes_since(tx.session, self.revision)
                self.absorb(changes, revision)
                log.debug("matching: caught up to revision %d (%d profiles)", revision, len(changes.profiles))
            batch.locked = True
            batch.record(lambda: setattr(batch, "locked", False))
        return batch

    async def revision_for(self, tx: Transaction, batch: Batch) -> int:
        """The revision this transaction's writes carry, taken on its first write."""
        if batch.revision is None:
            batch.revision = await store.next_revision(tx.session)
            batch.record(lambda: setattr(batch, "revision", None))
        return batch.revision

    # --- committed state -----------------------------------------------------------------------

    def load(self, changes: store.Changes, revision: int) -> None:
        """Everything stored, at start-up: the index is built in one go."""
        self._absorb_skills(changes.skills, reindex=False)
        companies = []
        for stored in changes.profiles:
            self.known[stored.company_id] = Known(stored.version, stored.agency, stored.active)
            if stored.active and stored.matchable:
                companies.append(self._company(stored))
        self.index = CandidateIndex.build(self.index.weights, companies, cross_border_only=self.index.cross_border_only)
        self.pairs.update(pair_key(match_id) for match_id in changes.match_ids)
        self.revision = revision

    def absorb(self, changes: store.Changes, revision: int) -> None:
        """What other processes committed since `self.revision`."""
        self._absorb_skills(changes.skills, reindex=True)
        for stored in changes.profiles:
            self.known[stored.company_id] = Known(stored.version, stored.agency, stored.active)
            if stored.active and stored.matchable:
                self.index.put(self._company(stored))
            else:
                self.index.remove(stored.company_id)
        self.pairs.update(pair_key(match_id) for match_id in changes.match_ids)
        self.revision = max(self.revision, revision)

    def _absorb_skills(self, skills: Sequence[store.StoredSkill], *, reindex: bool) -> None:
        touched = set()
        for skill in skills:
            self.holdings.setdefault(skill.company_id, {})[skill.skill_id] = Holding(skill.holders, skill.updated_at)
            touched.add(skill.company_id)
        if reindex:
            for company_id in touched:
                company = self.index.get(company_id)
                if company is not None:
                    self.index.put(company.with_capabilities(self.capabilities_of(company_id)))

    def _company(self, stored: store.StoredProfile) -> Company:
        return from_record(
            stored.profile,
            company_id=stored.company_id,
            agency=stored.agency,
            version=stored.version,
            country="TH" if stored.country == "TH" else "JP",
            region=stored.region,
            name=stored.name or {},
            matchable=stored.matchable,
            share_contact=stored.share_contact,
            capabilities=self.capabilities_of(stored.company_id),
        )

    # --- a batch's own changes, journalled ---------------------------------------------------------

    def set_known(self, batch: Batch, company_id: str, known: Known) -> None:
        before = self.known.get(company_id)
        self.known[company_id] = known
        batch.record(lambda: self._restore(self.known, company_id, before))

    def put(self, batch: Batch, company: Company) -> None:
        before = self.index.get(company.company_id)
        self.index.put(company)
        batch.record(lambda: self._reindex(company.company_id, before))

    def remove(self, batch: Batch, company_id: str) -> None:
        before = self.index.remove(company_id)
        if before is not None:
            batch.record(lambda: self._reindex(company_id, before))

    def hold(self, batch: Batch, company_id: str, skill_id: str, holding: Holding) -> None:
        holdings = self.holdings.setdefault(company_id, {})
        before = holdings.get(skill_id)
        holdings[skill_id] = holding
        batch.record(lambda: self._restore(holdings, skill_id, before))

    def add_pair(self, batch: Batch, key: int) -> None:
        self.pairs.add(key)
        batch.record(lambda: self.pairs.discard(key))

    def _reindex(self, company_id: str, company: Company | None) -> None:
        if company is None:
            self.index.remove(company_id)
        else:
            self.index.put(company)

    @staticmethod
    def _restore(mapping: dict[str, Any], key: str, value: Any) -> None:
        if value is None:
            mapping.pop(key, None)
        else:
            mapping[key] = value


def follow(session: Session, batch: Batch, memory: Memory) -> None:
    """Keep `memory` true to how the session's transaction ends: committed, rolled back, or a savepoint undone."""
    batch.session = session

    def committing(session: Session) -> None:
        if not session.in_nested_transaction():
            batch.writes.flush_before_commit(session)

    def committed(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released: its changes stand or fall with the transaction
        if batch.revision is not None:
            memory.revision = max(memory.revision, batch.revision)
        batch.journal.clear()

    def rolled_back(session: Session, previous: SessionTransaction) -> None:
        batch.undo(previous)

    def ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and batch.holds_process_lock:
            batch.holds_process_lock = False
            memory.process_lock.release()

    event.listen(session, "before_commit", committing)
    event.listen(session, "after_commit", committed)
    event.listen(session, "after_soft_rollback", rolled_back)
    event.listen(session, "after_transaction_end", ended)
