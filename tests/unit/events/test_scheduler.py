"""The meeting scheduler: no double booking, tables and interpreters respected, announced meetings kept, optimal."""

from __future__ import annotations

import itertools
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.events.scheduler import Pair, Placement, Session, first_fit, keep_announced, lp_bound, schedule


def pair(key: str, a: str, b: str, *, interpreter: bool = False) -> Pair:
    return Pair(key, (a, b), interpreter)


def session(
    waiting: list[Pair],
    *,
    slots: int = 2,
    tables: int = 2,
    interpreters: int = 1,
    kept: tuple[Placement, ...] = (),
    open_slots: set[int] | None = None,
) -> Session:
    return Session(
        slots,
        tables,
        interpreters,
        frozenset(range(slots) if open_slots is None else open_slots),
        kept,
        tuple(waiting),
    )


def assert_valid(problem: Session, placements: tuple[Placement, ...]) -> None:
    """Nobody double-booked; tables and interpreters per slot respected; only open slots; each request once."""
    everything = (*problem.kept, *placements)
    seats = Counter((company, p.slot) for p in everything for company in p.pair.companies)
    assert max(seats.values(), default=0) <= 1, "a company sits in two meetings at once"
    tables = Counter((p.slot, p.table) for p in everything)
    assert max(tables.values(), default=0) <= 1, "two meetings at one table"
    for p in everything:
        assert 1 <= p.table <= problem.tables
        assert 0 <= p.slot < problem.slots
    interpreted = Counter(p.slot for p in everything if p.pair.interpreter)
    assert max(interpreted.values(), default=0) <= problem.interpreters
    assert all(p.slot in problem.open_slots for p in placements), "a new meeting in a frozen slot"
    keys = [p.pair.key for p in placements]
    assert len(keys) == len(set(keys))
    assert set(keys) <= {p.key for p in problem.waiting}


def brute_force_optimum(problem: Session) -> int:
    """The most meetings any assignment can hold, by trying them all (tiny sessions only)."""
    choices = [None, *sorted(problem.open_slots)]
    best = 0
    for assignment in itertools.product(choices, repeat=len(problem.waiting)):
        placed = [(p, slot) for p, slot in zip(problem.waiting, assignment, strict=True) if slot is not None]
        if len(placed) <= best:
            continue
        seats = Counter((c, slot) for p, slot in placed for c in p.companies)
        seats.update((c, k.slot) for k in problem.kept for c in k.pair.companies)
        per_slot = Counter(slot for _, slot in placed) + Counter(k.slot for k in problem.kept)
        interpreted = Counter(slot for p, slot in placed if p.interpreter)
        interpreted.update(k.slot for k in problem.kept if k.pair.interpreter)
        if (
            max(seats.values(), default=0) <= 1
            and max(per_slot.values(), default=0) <= problem.tables
            and max(interpreted.values(), default=0) <= problem.interpreters
        ):
            best = len(placed)
    return best


def test_two_requests_of_one_company_go_to_different_slots() -> None:
    problem = session([pair("r1", "th-a", "jp-b"), pair("r2", "th-a", "jp-c")])
    result = schedule(problem)
    assert_valid(problem, result.placements)
    assert {p.slot for p in result.placements} == {0, 1}
    assert result.optimal


def test_interpreters_limit_the_interpreted_meetings_per_slot() -> None:
    waiting = [pair(f"r{n}", f"th-{n}", f"jp-{n}", interpreter=True) for n in range(5)]
    problem = session(waiting, slots=2, tables=5, interpreters=1)
    result = schedule(problem)
    assert_valid(problem, result.placements)
    assert len(result.placements) == 2
    assert [p.pair.key for p in result.placements] == ["r0", "r1"], "earliest accepted first"


def test_tables_limit_the_meetings_per_slot_and_tables_are_numbered_from_one() -> None:
    waiting = [pair(f"r{n}", f"th-{n}", f"jp-{n}") for n in range(5)]
    problem = session(waiting, slots=1, tables=3)
    result = schedule(problem)
    assert sorted(p.table for p in result.placements) == [1, 2, 3]
    assert [p.pair.key for p in result.placements] == ["r0", "r1", "r2"]


def test_announced_meetings_stay_where_they_are_and_new_ones_fill_around_them() -> None:
    kept = (Placement(pair("k1", "th-a", "jp-b"), slot=0, table=2),)
    problem = session([pair("r1", "th-a", "jp-c"), pair("r2", "th-d", "jp-e")], slots=2, tables=2, kept=kept)
    result = schedule(problem)
    assert_valid(problem, result.placements)
    placed = {p.pair.key: p for p in result.placements}
    assert placed["r1"].slot == 1, "th-a is busy in slot 0"
    assert (placed["r2"].slot, placed["r2"].table) in {(0, 1), (1, 1), (1, 2)}
    assert "k1" not in placed


def test_frozen_slots_get_no_new_meetings() -> None:
    problem = session([pair("r1", "th-a", "jp-b")], slots=3, open_slots={2})
    result = schedule(problem)
    assert [p.slot for p in result.placements] == [2]
    assert schedule(session([pair("r1", "th-a", "jp-b")], open_slots=set())).placements == ()


def test_a_shrunken_grid_releases_the_meetings_that_no_longer_fit_oldest_kept_first() -> None:
    announced = [
        Placement(pair("m1", "th-a", "jp-b", interpreter=True), slot=0, table=1),
        Placement(pair("m2", "th-c", "jp-d", interpreter=True), slot=0, table=2),
        Placement(pair("m3", "th-e", "jp-f"), slot=0, table=3),
        Placement(pair("m4", "th-g", "jp-h"), slot=2, table=1),
    ]
    kept, released = keep_announced(slots=2, tables=2, interpreters=1, announced=announced)
    assert [p.pair.key for p in kept] == ["m1"]
    assert [p.pair.key for p in released] == ["m2", "m3", "m4"]


def test_when_the_aggregate_limits_hide_a_conflict_the_full_model_still_finds_the_best() -> None:
    # Three companies who all want to meet each other need three slots; there are two.
    triangle = [pair("r1", "th-a", "th-b"), pair("r2", "th-b", "th-c"), pair("r3", "th-a", "th-c")]
    problem = session(triangle, slots=2, tables=3)
    result = schedule(problem)
    assert_valid(problem, result.placements)
    assert result.method == "full model"
    assert len(result.placements) == 2 == brute_force_optimum(problem)
    assert [p.pair.key for p in result.placements] == ["r1", "r2"], "earliest accepted first"


def test_the_benchmark_shape_reaches_its_bound_and_beats_or_equals_first_fit() -> None:
    waiting = [
        pair(f"r{n}", f"th-{n % 7}", f"jp-{(n * 3) % 11}", interpreter=n % 3 == 0) for n in range(60) if n % 11 != 7
    ]
    unique = list({tuple(sorted(p.companies)): p for p in waiting}.values())
    problem = session(unique, slots=4, tables=5, interpreters=1)
    result = schedule(problem)
    assert_valid(problem, result.placements)
    assert len(result.placements) >= len(first_fit(problem))
    assert len(result.placements) <= result.bound <= lp_bound(problem) + 1e-6


@st.composite
def sessions(draw: st.DrawFn, max_requests: int = 12) -> Session:
    slots = draw(st.integers(1, 4))
    tables = draw(st.integers(1, 4))
    interpreters = draw(st.integers(0, 2))
    companies = [f"th-{n}" for n in range(draw(st.integers(1, 4)))] + [
        f"jp-{n}" for n in range(draw(st.integers(1, 4)))
    ]
    candidates = [(a, b) for a, b in itertools.combinations(companies, 2)]
    chosen = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=max_requests))
    needs = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    requests = [Pair(f"r{n}", p, need) for n, (p, need) in enumerate(zip(chosen, needs, strict=True))]
    open_slots = frozenset(draw(st.sets(st.integers(0, slots - 1))) if draw(st.booleans()) else range(slots))
    # Some of the requests were announced earlier (a valid first-fit schedule of them, in any slot).
    announced_count = draw(st.integers(0, len(requests)))
    earlier = first_fit(
        Session(slots, tables, interpreters, frozenset(range(slots)), (), tuple(requests[:announced_count]))
    )
    return Session(slots, tables, interpreters, open_slots, earlier, tuple(requests[announced_count:]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=sessions())
def test_no_double_booking_tables_and_interpreters_respected_and_never_worse_than_first_fit(problem: Session) -> None:
    result = schedule(problem)
    assert_valid(problem, result.placements)
    assert len(result.placements) >= len(first_fit(problem))
    assert len(result.placements) <= result.bound
    assert len(result.placements) <= lp_bound(problem) + 1e-6
    assert schedule(problem) == result, "the same session gives the same schedule"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=sessions(max_requests=6))
def test_the_schedule_holds_as_many_meetings_as_the_best_possible_one(problem: Session) -> None:
    result = schedule(problem)
    assert len(result.placements) == brute_force_optimum(problem)
    assert result.optimal or result.method == "full model"
