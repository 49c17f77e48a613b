"""Places and the waiting list (after pretix's quotas): first come, first placed; a free place goes to the next in line.

The roster counts confirmed registrations and lists the waiting ones in line order. Every change
returns a new roster and says who was promoted, so the caller can record and announce exactly that.
Invariant kept by every function: nobody waits while a place is free.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Place = Literal["confirmed", "waitlisted"]


@dataclass(frozen=True, slots=True)
class Roster:
    """An event's places: `confirmed` registrations hold one, `line` waits for one, next first."""

    capacity: int
    confirmed: int
    line: tuple[str, ...] = ()

    @property
    def free(self) -> int:
        """Places nobody holds (none when the capacity was lowered below the confirmed count)."""
        return max(0, self.capacity - self.confirmed)


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The registration got a place."""


@dataclass(frozen=True, slots=True)
class Waitlisted:
    """The registration waits; `position` 1 is next."""

    position: int


Admission = Confirmed | Waitlisted


def admit(roster: Roster, registration_id: str) -> tuple[Roster, Admission]:
    """A new registration: a place if one is free and nobody is waiting, else the end of the line."""
    if registration_id in roster.line:
        raise ValueError(f"{registration_id} is already waiting")
    if roster.free and not roster.line:
        return replace(roster, confirmed=roster.confirmed + 1), Confirmed()
    line = (*roster.line, registration_id)
    return replace(roster, line=line), Waitlisted(position=len(line))


def leave(roster: Roster, registration_id: str, place: Place) -> tuple[Roster, tuple[str, ...]]:
    """A registration leaves (cancelled or withdrawn): a place it held goes to the next in line.

    Returns the new roster and the registrations promoted, in line order.
    """
    if place == "confirmed":
        if roster.confirmed == 0:
            raise ValueError("no confirmed registration can leave an empty event")
        return fill(replace(roster, confirmed=roster.confirmed - 1))
    if registration_id not in roster.line:
        raise ValueError(f"{registration_id} is not waiting")
    return fill(replace(roster, line=tuple(waiting for waiting in roster.line if waiting != registration_id)))


def resize(roster: Roster, capacity: int) -> tuple[Roster, tuple[str, ...]]:
    """The capacity changes: more places promote the line in order; fewer take no place away."""
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    return fill(replace(roster, capacity=capacity))


def fill(roster: Roster) -> tuple[Roster, tuple[str, ...]]:
    """Give the free places to the head of the line."""
    promoted = roster.line[: roster.free]
    return (
        Roster(roster.capacity, roster.confirmed + len(promoted), roster.line[len(promoted) :]),
        promoted,
    )
