"""What a batch writes to profiles, skill records and new matches: buffered, then sent in bulk before it commits.

A batch of 500 profiles would otherwise cost an ORM object and a statement's worth of work per
row; buffered, it is one INSERT and one UPDATE per table, executed many-at-once right before the
transaction commits (`flush_before_commit`). Reads of those rows within the batch consult the buffer
first, so nothing needs flushing earlier, and a savepoint that rolls back is undone in the buffer
by the journal (every change returns how to take it back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from services.matching.domain.matches import Match
from services.matching.domain.profiles import Company, to_record
from services.matching.store.tables import MATCHES, PROFILES, SKILLS
from shared.contracts.agency.company import Contact

Undo = Callable[[], None]

_CONTACT_COLUMNS = ("contact_name", "contact_email", "contact_phone", "contact_line_id", "contact_language")


@dataclass(slots=True)
class Pending:
    """One row to write: inserted when new, else updated with just these columns."""

    table: Table
    key: tuple[str, ...]
    new: bool
    values: dict[str, Any] = field(default_factory=dict)


class Writes:
    """The rows a batch will write, by table and primary key; the last write of a row wins."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, tuple[str, ...]], Pending] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def pending(self, table: Table, key: tuple[str, ...]) -> Pending | None:
        return self._rows.get((table.name, key))

    def pending_matches(self) -> list[Pending]:
        return [row for row in self._rows.values() if row.table is MATCHES]

    # --- changes -----------------------------------------------------------------------------------

    def save_profile(self, company: Company, contact: Contact, *, exists: bool, revision: int, now: datetime) -> Undo:
        names = ("en", "th", "ja")
        return self._write(
            PROFILES,
            (company.company_id,),
            new=not exists,
            values={
                "company_id": company.company_id,
                "agency": company.agency,
                "version": company.version,
                "country": company.country,
                "region": company.region,
                "status": "active",
                "matchable": company.matchable,
                "share_contact": company.share_contact,
                "name": {language: text for language, text in zip(names, company.name, strict=True) if text},
                "profile": to_record(company),
                "contact_name": contact.name,
                "contact_email": contact.email,
                "contact_phone": contact.phone,
                "contact_line_id": contact.line_id,
                "contact_language": contact.preferred_language,
                "updated_at": now,
                "withdrawn_at": None,
                "revision": revision,
            },
        )

    def erase_profile(self, company_id: str, *, revision: int, now: datetime) -> Undo:
        """Withdraw the company and erase its personal data: contact and name. What stays (country,
        region, sectors, keywords) says nothing about a person."""
        return self._write(
            PROFILES,
            (company_id,),
            new=False,
            values={
                "status": "withdrawn",
                "matchable": False,
                "share_contact": False,
                "name": None,
                **dict.fromkeys(_CONTACT_COLUMNS),
                "updated_at": now,
                "withdrawn_at": now,
                "revision": revision,
            },
        )

    def save_skill(
        self, company_id: str, skill_id: str, *, holders: int, updated_at: datetime, exists: bool, revision: int
    ) -> Undo:
        return self._write(
            SKILLS,
            (company_id, skill_id),
            new=not exists,
            values={
                "company_id": company_id,
                "skill_id": skill_id,
                "holders": holders,
                "updated_at": updated_at,
                "revision": revision,
            },
        )

    def add_match(
        self, match: Match, *, score: float, reasons: list[dict[str, Any]], interpreter_needed: bool, revision: int
    ) -> Undo:
        return self._write(
            MATCHES,
            (match.match_id,),
            new=True,
            values={
                "match_id": match.match_id,
                "company_a": match.a,
                "company_b": match.b,
                "score": score,
                "reasons": reasons,
                "interpreter_needed": interpreter_needed,
                **match_state(match),
                "proposed_at": match.proposed_at,
                "expires_at": match.expires_at,
                "revision": revision,
            },
        )

    def update_match(self, match: Match) -> Undo:
        """A new state for a match still in the buffer (proposed earlier in this batch)."""
        return self._write(MATCHES, (match.match_id,), new=False, values=match_state(match))

    def _write(self, table: Table, key: tuple[str, ...], *, new: bool, values: dict[str, Any]) -> Undo:
        slot = (table.name, key)
        before = self._rows.get(slot)
        if before is None:
            written = Pending(table, key, new, dict(values))
        else:
            written = Pending(table, key, before.new, {**before.values, **values})
        self._rows[slot] = written

        def undo() -> None:
            if self._rows.get(slot) is written:  # else flushed, or written over by a later change
                if before is None:
                    del self._rows[slot]
                else:
                    self._rows[slot] = before

        return undo

    # --- sending -----------------------------------------------------------------------------------

    def flush_before_commit(self, session: Session) -> None:
        """Send everything, a statement per table and kind; called as the transaction commits."""
        rows, self._rows = list(self._rows.values()), {}
        for (table, new, columns), group in _grouped(rows).items():
            if new:
                session.execute(insert(table), [row.values for row in group])
            else:
                keys = [column.name for column in table.primary_key.columns]
                statement = (
                    update(table)
                    .where(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
                    .values({name: bindparam(name) for name in columns})
                )
                session.execute(
                    statement,
                    [
                        {**row.values, **{f"key_{name}": part for name, part in zip(keys, row.key, strict=True)}}
                        for row in group
                    ],
                )


def match_state(match: Match) -> dict[str, Any]:
    return {
        "status": match.status,
        "accepted_a": match.a in match.accepted_by,
        "accepted_b": match.b in match.accepted_by,
        "closed_at": match.closed_at,
    }


def _grouped(rows: list[Pending]) -> dict[tuple[Table, bool, tuple[str, ...]], list[Pending]]:
    groups: dict[tuple[Table, bool, tuple[str, ...]], list[Pending]] = {}
    for row in rows:
        groups.setdefault((row.table, row.new, tuple(sorted(row.values))), []).append(row)
    return groups
