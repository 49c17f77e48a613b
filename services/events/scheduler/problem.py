"""The scheduling problem in plain terms: requests, meetings, what a session has left, first fit, table numbers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Method = Literal["nothing to schedule", "selection and timetabling", "full model"]


@dataclass(frozen=True, slots=True)
class Pair:
    """An accepted meeting request: two companies, and whether a Thai↔Japanese interpreter must sit in."""

    key: str
    companies: tuple[str, str]
    interpreter: bool


@dataclass(frozen=True, slots=True)
class Placement:
    """A meeting: a pair at a slot (from 0) and a table (from 1)."""

    pair: Pair
    slot: int
    table: int


@dataclass(frozen=True, slots=True)
class Session:
    """What the scheduler is given: the grid, where new meetings may go, and the requests.

    `kept` are announced meetings that stay (see `keep_announced`); `waiting` are accepted requests
    without a meeting, earliest accepted first.
    """

    slots: int
    tables: int
    interpreters: int
    open_slots: frozenset[int]
    kept: tuple[Placement, ...]
    waiting: tuple[Pair, ...]


@dataclass(frozen=True, slots=True)
class Schedule:
    """New meetings for waiting requests; `bound` is the most any schedule could have added."""

    placements: tuple[Placement, ...]
    bound: int
    optimal: bool
    method: Method


def keep_announced(
    *, slots: int, tables: int, interpreters: int, announced: Iterable[Placement]
) -> tuple[tuple[Placement, ...], tuple[Placement, ...]]:
    """Which announced meetings can stay where they are, in the order given (oldest first).

    They all can unless the grid shrank: a meeting whose slot or table no longer exists, or that
    no longer fits its slot's tables or interpreters, is released to be scheduled afresh.
    """
    kept: list[Placement] = []
    released: list[Placement] = []
    taken: set[tuple[int, int]] = set()
    busy: set[tuple[str, int]] = set()
    interpreted: defaultdict[int, int] = defaultdict(int)
    for meeting in announced:
        a, b = meeting.pair.companies
        fits = (
            0 <= meeting.slot < slots
            and 1 <= meeting.table <= tables
            and (meeting.slot, meeting.table) not in taken
            and (a, meeting.slot) not in busy
            and (b, meeting.slot) not in busy
            and (not meeting.pair.interpreter or interpreted[meeting.slot] < interpreters)
        )
        if not fits:
            released.append(meeting)
            continue
        kept.append(meeting)
        taken.add((meeting.slot, meeting.table))
        busy.update({(a, meeting.slot), (b, meeting.slot)})
        interpreted[meeting.slot] += meeting.pair.interpreter
    return tuple(kept), tuple(released)


@dataclass(frozen=True, slots=True)
class Room:
    """What is left of each open slot once the kept meetings are seated, and where each request fits."""

    free_tables: Mapping[int, int]
    free_interpreters: Mapping[int, int]
    allowed: Mapping[int, tuple[int, ...]]
    """Slots each waiting request (by index) could take on its own."""


def room_left(session: Session) -> Room:
    busy: set[tuple[str, int]] = set()
    tables: dict[int, int] = dict.fromkeys(session.open_slots, session.tables)
    interpreters: dict[int, int] = dict.fromkeys(session.open_slots, session.interpreters)
    for meeting in session.kept:
        busy.update((company, meeting.slot) for company in meeting.pair.companies)
        if meeting.slot in tables:
            tables[meeting.slot] -= 1
            interpreters[meeting.slot] -= meeting.pair.interpreter
    allowed: dict[int, tuple[int, ...]] = {}
    for index, pair in enumerate(session.waiting):
        slots = tuple(
            slot
            for slot in sorted(session.open_slots)
            if tables[slot] > 0
            and (not pair.interpreter or interpreters[slot] > 0)
            and all((company, slot) not in busy for company in pair.companies)
        )
        if slots and pair.companies[0] != pair.companies[1]:
            allowed[index] = slots
    return Room(tables, interpreters, allowed)


def first_fit(session: Session) -> tuple[Placement, ...]:
    """The baseline: each waiting request, earliest first, into the first open slot where it fits."""
    return seat(session, first_fit_slots(session, room_left(session)))


def first_fit_slots(session: Session, room: Room) -> dict[int, int]:
    tables = dict(room.free_tables)
    interpreters = dict(room.free_interpreters)
    busy: set[tuple[str, int]] = set()
    placed: dict[int, int] = {}
    for index, slots in room.allowed.items():
        pair = session.waiting[index]
        for slot in slots:
            if tables[slot] == 0 or (pair.interpreter and interpreters[slot] == 0):
                continue
            if any((company, slot) in busy for company in pair.companies):
                continue
            placed[index] = slot
            tables[slot] -= 1
            interpreters[slot] -= pair.interpreter
            busy.update((company, slot) for company in pair.companies)
            break
    return placed


def seat(session: Session, slots: Mapping[int, int]) -> tuple[Placement, ...]:
    """Tables for the new meetings: the lowest free numbers, earliest-accepted request first."""
    taken: defaultdict[int, set[int]] = defaultdict(set)
    for meeting in session.kept:
        taken[meeting.slot].add(meeting.table)
    placements = []
    for index in sorted(slots):
        slot = slots[index]
        table = next(number for number in range(1, session.tables + 1) if number not in taken[slot])
        taken[slot].add(table)
        placements.append(Placement(session.waiting[index], slot, table))
    return tuple(placements)
