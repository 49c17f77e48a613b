"""An upper bound on the meetings a session can hold: the LP relaxation of the full model, solved with GLOP."""

from __future__ import annotations

from collections import defaultdict

from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from services.events.scheduler.problem import Session, room_left


def lp_bound(session: Session) -> float:
    """The LP relaxation of the full model (GLOP): an upper bound on the meetings that can be added."""
    room = room_left(session)
    solver = pywraplp.Solver.CreateSolver("GLOP")
    at = {
        (index, slot): solver.NumVar(0.0, 1.0, f"x{index}_{slot}")
        for index, slots in room.allowed.items()
        for slot in slots
    }
    by_request: defaultdict[int, list[pywraplp.Variable]] = defaultdict(list)
    by_company_slot: defaultdict[tuple[str, int], list[pywraplp.Variable]] = defaultdict(list)
    by_slot: defaultdict[int, list[pywraplp.Variable]] = defaultdict(list)
    interpreted: defaultdict[int, list[pywraplp.Variable]] = defaultdict(list)
    for (index, slot), var in at.items():
        pair = session.waiting[index]
        by_request[index].append(var)
        for company in pair.companies:
            by_company_slot[company, slot].append(var)
        by_slot[slot].append(var)
        if pair.interpreter:
            interpreted[slot].append(var)
    for variables in (*by_request.values(), *by_company_slot.values()):
        solver.Add(solver.Sum(variables) <= 1)
    for slot, variables in by_slot.items():
        solver.Add(solver.Sum(variables) <= room.free_tables[slot])
    for slot, variables in interpreted.items():
        solver.Add(solver.Sum(variables) <= room.free_interpreters[slot])
    solver.Maximize(solver.Sum(list(at.values())))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("the LP relaxation did not solve")
    return float(solver.Objective().Value())
