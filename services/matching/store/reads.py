"""What handlers read: the matching lock and revision, what changed since, matches to answer, parties to introduce.

Reads made within a batch look at the batch's buffered writes (`Writes`) as well as the database,
so a match proposed earlier in the same batch can be answered or withdrawn before anything is flushed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.domain.matches import OPEN, Match, Status
from services.matching.store.tables import MATCHES, PROFILES, MatchRow, ProfileRow, RevisionRow, SkillRow
from services.matching.store.writes import Undo, Writes, match_state
from shared.contracts.agency.company import Contact
from shared.contracts.common import Language

_MATCHING_LOCK = 0x6D617463  # "matc": one matching transaction at a time, across replicas


async def take_matching_lock(session: AsyncSession) -> None:
    """Make this transaction the only one matching until it ends, across every replica.

    On PostgreSQL a transaction-level advisory lock; SQLite needs nothing, as every transaction
    there already holds the database's write lock from its start (`BEGIN IMMEDIATE`).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MATCHING_LOCK})


async def current_revision(session: AsyncSession) -> int:
    return int((await session.execute(select(RevisionRow.value).where(RevisionRow.id == 1))).scalar_one())


async def next_revision(session: AsyncSession) -> int:
    """Bump the counter for this transaction's changes; the new value is their revision."""
    result = await session.execute(
        update(RevisionRow).where(RevisionRow.id == 1).values(value=RevisionRow.value + 1).returning(RevisionRow.value)
    )
    return int(result.scalar_one())


# --- what changed ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredProfile:
    company_id: str
    agency: str
    version: int
    country: str
    region: str
    active: bool
    matchable: bool
    share_contact: bool
    name: dict[str, str] | None
    profile: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredSkill:
    company_id: str
    skill_id: str
    holders: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Changes:
    profiles: Sequence[StoredProfile]
    skills: Sequence[StoredSkill]
    match_ids: Sequence[str]


async def changes_since(session: AsyncSession, revision: int) -> Changes:
    """Profiles, skill records and matches written after `revision` (everything for revision 0)."""
    profiles = await session.execute(
        select(
            ProfileRow.company_id,
            ProfileRow.agency,
            ProfileRow.version,
            ProfileRow.country,
            ProfileRow.region,
            ProfileRow.status,
            ProfileRow.matchable,
            ProfileRow.share_contact,
            ProfileRow.name,
            ProfileRow.profile,
        ).where(ProfileRow.revision > revision)
    )
    skills = await session.execute(
        select(SkillRow.company_id, SkillRow.skill_id, SkillRow.holders, SkillRow.updated_at).where(
            SkillRow.revision > revision
        )
    )
    matches = await session.execute(select(MatchRow.match_id).where(MatchRow.revision > revision))
    return Changes(
        profiles=[
            StoredProfile(row[0], row[1], row[2], row[3], row[4], row[5] == "active", *row[6:])
            for row in profiles.tuples()
        ],
        skills=[StoredSkill(*row) for row in skills.tuples()],
        match_ids=list(matches.scalars()),
    )


# --- matches -------------------------------------------------------------------------------------


class FoundMatch:
    """A match as stored (a locked row) or as buffered in this batch, and how to write its next state."""

    def __init__(self, match: Match, row: MatchRow | None, writes: Writes) -> None:
        self.match = match
        self._row = row
        self._writes = writes

    def change(self, match: Match) -> Undo:
        """Write the match's new state; the undo restores the buffer (a locked row is restored by its savepoint)."""
        if self._row is None:
            return self._writes.update_match(match)
        record_state(self._row, match)
        return _nothing


def record_state(row: MatchRow, match: Match) -> None:
    """Write a match's new state onto its locked row (flushed with the session)."""
    for name, value in match_state(match).items():
        setattr(row, name, value)


def _nothing() -> None:
    return None


async def match_to_answer(session: AsyncSession, writes: Writes, match_id: str) -> FoundMatch | None:
    """The match, locked against concurrent answers and expiry."""
    pending = writes.pending(MATCHES, (match_id,))
    if pending is not None:
        return FoundMatch(_from_values(pending.values), None, writes)
    result = await session.execute(select(MatchRow).where(MatchRow.match_id == match_id).with_for_update())
    row = result.scalar_one_or_none()
    return None if row is None else FoundMatch(as_match(row), row, writes)


async def open_matches_of(session: AsyncSession, writes: Writes, company_id: str) -> list[FoundMatch]:
    """Every open match of the company, locked; those proposed in this batch too."""
    result = await session.execute(
        select(MatchRow)
        .where(
            (MatchRow.company_a == company_id) | (MatchRow.company_b == company_id),
            MatchRow.status.in_(OPEN),
        )
        .order_by(MatchRow.match_id)
        .with_for_update()
    )
    found = [FoundMatch(as_match(row), row, writes) for row in result.scalars()]
    for pending in writes.pending_matches():
        match = _from_values(pending.values)
        if company_id in match.parties and match.is_open:
            found.append(FoundMatch(match, None, writes))
    return found


async def due_matches(session: AsyncSession, now: datetime, *, limit: int) -> Sequence[MatchRow]:
    """Open matches past their expiry, oldest first; rows another transaction holds are skipped."""
    result = await session.execute(
        select(MatchRow)
        .where(MatchRow.status.in_(OPEN), MatchRow.expires_at <= now)
        .order_by(MatchRow.expires_at, MatchRow.match_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return result.scalars().all()


def as_match(row: MatchRow) -> Match:
    return _match(
        row.match_id, row.company_a, row.company_b, row.status, row.accepted_a, row.accepted_b,
        row.proposed_at, row.expires_at, row.closed_at,
    )  # fmt: skip


def _from_values(values: dict[str, Any]) -> Match:
    return _match(
        values["match_id"], values["company_a"], values["company_b"], values["status"], values["accepted_a"],
        values["accepted_b"], values["proposed_at"], values["expires_at"], values["closed_at"],
    )  # fmt: skip


def _match(
    match_id: str,
    a: str,
    b: str,
    status: str,
    accepted_a: bool,
    accepted_b: bool,
    proposed_at: datetime,
    expires_at: datetime,
    closed_at: datetime | None,
) -> Match:
    accepted = frozenset(company for company, yes in ((a, accepted_a), (b, accepted_b)) if yes)
    return Match(match_id, a, b, cast(Status, status), accepted, proposed_at, expires_at, closed_at)


# --- parties to introduce --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyRow:
    company_id: str
    agency: str
    name: dict[str, str] | None
    contact: Contact | None
    share_contact: bool


_PARTY_COLUMNS = ("agency", "name", "share_contact", "contact_name", "contact_email", "contact_phone",
                  "contact_line_id", "contact_language")  # fmt: skip


async def parties(session: AsyncSession, writes: Writes, company_ids: Iterable[str]) -> dict[str, PartyRow]:
    """Name, contact and consent of each company as they stand now, this batch's changes included."""
    wanted = sorted(set(company_ids))
    result = await session.execute(
        select(ProfileRow.company_id, *(getattr(ProfileRow, name) for name in _PARTY_COLUMNS)).where(
            ProfileRow.company_id.in_(wanted)
        )
    )
    stored = {row[0]: dict(zip(_PARTY_COLUMNS, row[1:], strict=True)) for row in result.tuples()}
    found = {}
    for company_id in wanted:
        pending = writes.pending(PROFILES, (company_id,))
        values = {**stored.get(company_id, {}), **(pending.values if pending else {})}
        if "agency" in values:
            found[company_id] = _party(company_id, values)
    return found


def _party(company_id: str, values: dict[str, Any]) -> PartyRow:
    complete = values["contact_name"] and values["contact_email"] and values["contact_language"]
    contact = (
        Contact(
            name=values["contact_name"],
            email=values["contact_email"],
            phone=values["contact_phone"],
            line_id=values["contact_line_id"],
            preferred_language=cast(Language, values["contact_language"]),
        )
        if complete
        else None
    )
    return PartyRow(company_id, values["agency"], values["name"], contact, bool(values["share_contact"]))
