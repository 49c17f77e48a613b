"""The waiting list: first come, first placed; every free place goes to the next in line, once."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.events.domain.waitlist import Confirmed, Roster, Waitlisted, admit, leave, resize


def test_registrations_are_confirmed_until_the_event_is_full_then_wait_in_arrival_order() -> None:
    roster = Roster(capacity=2, confirmed=0)
    decisions = []
    for registration in ("r1", "r2", "r3", "r4"):
        roster, decision = admit(roster, registration)
        decisions.append(decision)
    assert decisions == [Confirmed(), Confirmed(), Waitlisted(position=1), Waitlisted(position=2)]
    assert roster == Roster(capacity=2, confirmed=2, line=("r3", "r4"))


def test_a_cancelled_place_goes_to_the_next_in_line_and_only_to_them() -> None:
    roster = Roster(capacity=2, confirmed=2, line=("r3", "r4"))
    roster, promoted = leave(roster, "r1", "confirmed")
    assert promoted == ("r3",)
    assert roster == Roster(capacity=2, confirmed=2, line=("r4",))


def test_a_waiting_registration_that_leaves_promotes_nobody() -> None:
    roster, promoted = leave(Roster(capacity=1, confirmed=1, line=("r2", "r3")), "r2", "waitlisted")
    assert promoted == ()
    assert roster.line == ("r3",)


def test_more_capacity_promotes_the_line_in_order_and_less_takes_no_place_away() -> None:
    roster, promoted = resize(Roster(capacity=2, confirmed=2, line=("r3", "r4", "r5")), 4)
    assert promoted == ("r3", "r4")
    assert roster == Roster(capacity=4, confirmed=4, line=("r5",))
    roster, promoted = resize(roster, 1)
    assert promoted == ()
    assert roster == Roster(capacity=1, confirmed=4, line=("r5",))
    roster, promoted = leave(roster, "rX", "confirmed")
    assert promoted == (), "still over capacity: the freed place is not given away"


def test_a_new_registration_never_jumps_the_line() -> None:
    # Over capacity after a decrease, then one leaves: still full, so the newcomer waits behind r5.
    roster, decision = admit(Roster(capacity=1, confirmed=1, line=("r5",)), "r6")
    assert decision == Waitlisted(position=2)
    assert roster.line == ("r5", "r6")


def test_leaving_twice_or_from_nowhere_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not waiting"):
        leave(Roster(capacity=1, confirmed=1), "r9", "waitlisted")
    with pytest.raises(ValueError, match="empty"):
        leave(Roster(capacity=1, confirmed=0), "r9", "confirmed")
    with pytest.raises(ValueError, match="already waiting"):
        admit(Roster(capacity=1, confirmed=1, line=("r2",)), "r2")


@dataclass
class _Ledger:
    """What really happened to each registration, kept alongside the roster to check it."""

    capacity: int
    status: dict[str, str] = field(default_factory=dict)
    arrival: list[str] = field(default_factory=list)
    promoted_ever: list[str] = field(default_factory=list)

    def confirmed(self) -> int:
        return sum(1 for status in self.status.values() if status == "confirmed")

    def line(self) -> tuple[str, ...]:
        return tuple(r for r in self.arrival if self.status[r] == "waitlisted")


_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, 0)),
        st.tuples(st.just("cancel"), st.integers(0, 10_000)),
        st.tuples(st.just("resize"), st.integers(1, 8)),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(capacity=st.integers(1, 6), operations=_OPERATIONS)
def test_capacity_is_never_exceeded_and_every_promoted_registrant_was_next_in_line(
    capacity: int, operations: list[tuple[str, int]]
) -> None:
    roster = Roster(capacity=capacity, confirmed=0)
    ledger = _Ledger(capacity)
    for number, (operation, argument) in enumerate(operations):
        line_before = ledger.line()
        confirmed_before = ledger.confirmed()
        if operation == "register":
            registration = f"r{number}"
            roster, decision = admit(roster, registration)
            ledger.arrival.append(registration)
            ledger.status[registration] = "confirmed" if isinstance(decision, Confirmed) else "waitlisted"
            if isinstance(decision, Waitlisted):
                assert decision.position == len(line_before) + 1
            promoted: tuple[str, ...] = ()
        elif operation == "cancel":
            active = [r for r in ledger.arrival if ledger.status[r] != "cancelled"]
            if not active:
                continue
            registration = active[argument % len(active)]
            place = ledger.status[registration]
            roster, promoted = leave(roster, registration, place)  # type: ignore[arg-type]
            ledger.status[registration] = "cancelled"
            line_before = tuple(r for r in line_before if r != registration)
        else:
            roster, promoted = resize(roster, argument)
            ledger.capacity = argument
        for registration in promoted:
            ledger.status[registration] = "confirmed"
        ledger.promoted_ever.extend(promoted)

        # Every promoted registrant was next in line, in order.
        assert promoted == line_before[: len(promoted)]
        # Promotions never push the event over its capacity.
        if promoted:
            assert ledger.confirmed() <= ledger.capacity
        # Nobody is confirmed beyond capacity except those who already held a place before a decrease.
        assert ledger.confirmed() <= max(ledger.capacity, confirmed_before)
        # Nobody waits while a place is free; the roster agrees with what happened.
        assert not ledger.line() or ledger.confirmed() >= ledger.capacity
        assert roster == Roster(ledger.capacity, ledger.confirmed(), ledger.line())
    # Promotion happens once per registrant, and never to one who left.
    assert len(ledger.promoted_ever) == len(set(ledger.promoted_ever))


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(1, 5), arrivals=st.integers(0, 20))
def test_with_a_fixed_capacity_the_first_arrivals_hold_the_places(capacity: int, arrivals: int) -> None:
    roster = Roster(capacity=capacity, confirmed=0)
    confirmed: list[str] = []
    for n in range(arrivals):
        roster, decision = admit(roster, f"r{n}")
        if isinstance(decision, Confirmed):
            confirmed.append(f"r{n}")
        assert roster.confirmed <= capacity
    assert confirmed == [f"r{n}" for n in range(min(capacity, arrivals))]
