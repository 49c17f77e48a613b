"""The CP-SAT models: selection, then timetabling, or the full model when timetabling cannot place the selection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ortools.sat.python import cp_model

from services.events.scheduler.problem import Method, Room, Schedule, Session, first_fit_slots, room_left, seat

SEED = 20240822
"""CP-SAT's random seed: fixed, so that the search, and with it the schedule, is reproducible."""


def schedule(session: Session, *, effort: float = 5.0) -> Schedule:
    """The most meetings the session can still hold, earliest-accepted requests first, kept ones untouched.

    `effort` is each solver phase's budget in CP-SAT deterministic seconds.
    """
    room = room_left(session)
    if not room.allowed:
        return Schedule((), 0, True, "nothing to schedule")
    chosen, bound, selection_optimal = _select(session, room, effort)
    slots = _timetable(session, room, chosen, effort)
    if slots is not None:
        placed = slots
        method: Method = "selection and timetabling"
    else:
        placed = _full_model(session, room, effort)
        method = "full model"
    placements = seat(session, placed)
    optimal = selection_optimal and len(placements) == bound
    return Schedule(placements, bound, optimal, method)


def _preference(n: int) -> list[int]:
    """Weights that prefer earlier-accepted requests, once the number of meetings is settled."""
    return [n - rank for rank in range(n)]


def _solver(effort: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = SEED
    solver.parameters.max_deterministic_time = effort
    # Measured on the benchmark (tests/bench/bench_scheduler.py): probing and symmetry detection
    # cost seconds here, while the full LP relaxation finds tight timetables in a few tenths.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    solver.parameters.linearization_level = 2
    return solver


def _select(session: Session, room: Room, effort: float) -> tuple[list[int], int, bool]:
    """Which requests to schedule, under aggregate limits only: (chosen, bound on meetings, proven).

    Lexicographic in two solves: first the most meetings, then, with that many, the earliest requests.
    """
    model = cp_model.CpModel()
    chosen = {index: model.new_bool_var(f"y{index}") for index in room.allowed}
    by_company: defaultdict[str, list[int]] = defaultdict(list)
    for index in chosen:
        for company in session.waiting[index].companies:
            by_company[company].append(index)
    for indices in by_company.values():
        reachable = {slot for index in indices for slot in room.allowed[index]}
        if len(indices) > len(reachable):
            model.add(cp_model.LinearExpr.sum([chosen[index] for index in indices]) <= len(reachable))
    open_tables = sum(room.free_tables.values())
    if len(chosen) > open_tables:
        model.add(cp_model.LinearExpr.sum(list(chosen.values())) <= open_tables)
    interpreted = [chosen[index] for index in chosen if session.waiting[index].interpreter]
    open_interpreters = sum(min(room.free_interpreters[slot], room.free_tables[slot]) for slot in room.free_tables)
    if len(interpreted) > open_interpreters:
        model.add(cp_model.LinearExpr.sum(interpreted) <= open_interpreters)
    meetings = cp_model.LinearExpr.sum(list(chosen.values()))
    model.maximize(meetings)
    solver = _solver(effort)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # cannot happen: choosing nothing is feasible
        return [], len(chosen), False
    most = round(solver.objective_value)
    bound = max(most, int(solver.best_objective_bound + 1e-6))
    proven = status == cp_model.OPTIMAL
    first = {index: solver.boolean_value(var) for index, var in chosen.items()}
    model.add(meetings == most)
    for index, var in chosen.items():
        model.add_hint(var, first[index])
    weights = _preference(len(session.waiting))
    model.maximize(cp_model.LinearExpr.weighted_sum(list(chosen.values()), [weights[index] for index in chosen]))
    solver = _solver(effort)
    if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [index for index, var in chosen.items() if solver.boolean_value(var)], bound, proven
    return [index for index, picked in first.items() if picked], bound, proven


def _timetable(session: Session, room: Room, chosen: Sequence[int], effort: float) -> dict[int, int] | None:
    """A slot for every chosen request, or None when there is none (or none was found in time)."""
    model = cp_model.CpModel()
    at = {(index, slot): model.new_bool_var(f"x{index}_{slot}") for index in chosen for slot in room.allowed[index]}
    for index in chosen:
        model.add_exactly_one([at[index, slot] for slot in room.allowed[index]])
    _limit_slots(model, session, room, at)
    solver = _solver(effort)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {index: slot for (index, slot), var in at.items() if solver.boolean_value(var)}


def _full_model(session: Session, room: Room, effort: float) -> dict[int, int]:
    """Every request and slot in one model, started from first fit: slower, but never worse than it.

    One meeting weighs more than all preferences together, so the count comes first here too.
    """
    n = len(session.waiting)
    unit = n * (n + 1) // 2 + 1
    weights = [unit + preference for preference in _preference(n)]
    model = cp_model.CpModel()
    at = {
        (index, slot): model.new_bool_var(f"x{index}_{slot}") for index, slots in room.allowed.items() for slot in slots
    }
    for index, slots in room.allowed.items():
        model.add_at_most_one([at[index, slot] for slot in slots])
    _limit_slots(model, session, room, at)
    model.maximize(cp_model.LinearExpr.weighted_sum(list(at.values()), [weights[index] for index, _ in at]))
    start = first_fit_slots(session, room)
    for (index, slot), var in at.items():
        model.add_hint(var, start.get(index) == slot)
    solver = _solver(effort)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start
    return {index: slot for (index, slot), var in at.items() if solver.boolean_value(var)}


def _limit_slots(
    model: cp_model.CpModel, session: Session, room: Room, at: Mapping[tuple[int, int], cp_model.IntVar]
) -> None:
    """Nobody twice in a slot; per slot, no more meetings than free tables, interpreted ones than interpreters."""
    by_company_slot: defaultdict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    by_slot: defaultdict[int, list[cp_model.IntVar]] = defaultdict(list)
    interpreted: defaultdict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (index, slot), var in at.items():
        pair = session.waiting[index]
        for company in pair.companies:
            by_company_slot[company, slot].append(var)
        by_slot[slot].append(var)
        if pair.interpreter:
            interpreted[slot].append(var)
    for variables in by_company_slot.values():
        if len(variables) > 1:
            model.add_at_most_one(variables)
    for slot, variables in by_slot.items():
        if len(variables) > room.free_tables[slot]:
            model.add(cp_model.LinearExpr.sum(variables) <= room.free_tables[slot])
    for slot, variables in interpreted.items():
        if len(variables) > room.free_interpreters[slot]:
            model.add(cp_model.LinearExpr.sum(variables) <= room.free_interpreters[slot])
