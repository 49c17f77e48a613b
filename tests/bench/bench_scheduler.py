"""Meeting scheduler benchmark: 300 companies, 1,000 accepted requests, 16 slots × 40 tables, 6 interpreters.

Reports, per generated session, the meetings CP-SAT schedules and the time it takes, as a share of
the LP relaxation's upper bound, next to a first-fit greedy baseline run on the same session.
Sessions are generated from fixed seeds, so every run measures the same problems.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path
from typing import Any

from services.events.scheduler import Pair, Session, first_fit, lp_bound, schedule

COMPANIES = 300
REQUESTS = 1000
SLOTS = 16
TABLES = 40
INTERPRETERS = 6
SEEDS = (1, 2, 3, 4, 5)
RUNS = 3
EFFORT = 5.0  # the service's default KAKEHASHI_EVENTS_SOLVER_EFFORT


def session(seed: int) -> Session:
    """A Thai–Mie session: half Thai, half Japanese companies; popular ones get many requests.

    Languages as met in the programme: every Thai company speaks Thai and three in four English;
    every Mie company Japanese, seven in ten English and a few Thai. A pair without a common language
    needs an interpreter. One request in ten is between two companies of the same country.
    """
    rng = random.Random(seed)
    thai = [f"th-{n:013d}" for n in range(COMPANIES // 2)]
    mie = [f"jp-{n:013d}" for n in range(COMPANIES - COMPANIES // 2)]
    languages: dict[str, set[str]] = {}
    for company in thai:
        languages[company] = {"th"} | ({"en"} if rng.random() < 0.75 else set())
    for company in mie:
        languages[company] = (
            {"ja"} | ({"en"} if rng.random() < 0.7 else set()) | ({"th"} if rng.random() < 0.05 else set())
        )
    popularity = {company: 1.0 / (rank + 1) ** 0.6 for group in (thai, mie) for rank, company in enumerate(group)}
    everyone = thai + mie
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < REQUESTS:
        if rng.random() < 0.9:
            a = rng.choices(thai, [popularity[c] for c in thai])[0]
            b = rng.choices(mie, [popularity[c] for c in mie])[0]
        else:
            a, b = rng.sample(everyone, 2)
        if (b, a) not in pairs:
            pairs.add((a, b))
    ordered = sorted(pairs)
    rng.shuffle(ordered)  # the order in which the requests were accepted
    waiting = tuple(
        Pair(f"mr-{n:04d}", (a, b), interpreter=not (languages[a] & languages[b])) for n, (a, b) in enumerate(ordered)
    )
    return Session(SLOTS, TABLES, INTERPRETERS, frozenset(range(SLOTS)), (), waiting)


def _timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def _measure(seed: int) -> dict[str, Any]:
    problem = session(seed)
    bound, lp_seconds = _timed(lp_bound, problem)
    solver_runs = [_timed(schedule, problem, effort=EFFORT) for _ in range(RUNS)]
    greedy_runs = [_timed(first_fit, problem) for _ in range(RUNS)]
    result = solver_runs[0][0]
    greedy = greedy_runs[0][0]
    assert all(run.placements == result.placements for run, _ in solver_runs), "the scheduler is not deterministic"
    solver_seconds = statistics.median(seconds for _, seconds in solver_runs)
    return {
        "seed": seed,
        "interpreter_requests": sum(pair.interpreter for pair in problem.waiting),
        "lp_bound": round(bound, 2),
        "selection_bound": result.bound,
        "solver_meetings": len(result.placements),
        "solver_share_of_bound": round(len(result.placements) / bound, 4),
        "solver_seconds": round(solver_seconds, 3),
        "solver_method": result.method,
        "solver_proven_optimal": result.optimal,
        "greedy_meetings": len(greedy),
        "greedy_share_of_bound": round(len(greedy) / bound, 4),
        "greedy_seconds": round(statistics.median(seconds for _, seconds in greedy_runs), 4),
        "solver_over_greedy": round(len(result.placements) / len(greedy), 4),
        "lp_seconds": round(lp_seconds, 3),
    }


def run(out_dir: Path) -> dict[str, Any]:
    sessions = [_measure(seed) for seed in SEEDS]
    for row in sessions:
        print(
            f"seed {row['seed']}: CP-SAT {row['solver_meetings']} meetings in {row['solver_seconds']} s "
            f"({row['solver_share_of_bound']:.1%} of LP bound {row['lp_bound']}), "
            f"first fit {row['greedy_meetings']} ({row['greedy_share_of_bound']:.1%})",
            flush=True,
        )
    _plot(sessions, out_dir / "scheduler.png")
    return {
        "problem": {
            "companies": COMPANIES,
            "accepted_requests": REQUESTS,
            "slots": SLOTS,
            "tables": TABLES,
            "interpreters": INTERPRETERS,
            "solver_effort_deterministic_seconds": EFFORT,
            "runs_per_session": RUNS,
        },
        "target": {"seconds_below": 2.0, "share_of_bound_at_least": 0.95},
        "worst_solver_seconds": max(row["solver_seconds"] for row in sessions),
        "worst_solver_share_of_bound": min(row["solver_share_of_bound"] for row in sessions),
        "worst_greedy_share_of_bound": min(row["greedy_share_of_bound"] for row in sessions),
        "sessions": sessions,
    }


def _plot(sessions: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 3.5))
    seeds = [str(row["seed"]) for row in sessions]
    width = 0.38
    positions = range(len(seeds))
    axes.bar(
        [p - width / 2 for p in positions], [row["solver_share_of_bound"] for row in sessions], width, label="CP-SAT"
    )
    axes.bar(
        [p + width / 2 for p in positions], [row["greedy_share_of_bound"] for row in sessions], width, label="first fit"
    )
    axes.axhline(0.95, color="grey", linestyle="--", linewidth=1, label="target 95 %")
    axes.set_xticks(list(positions), seeds)
    axes.set_xlabel("generated session (seed)")
    axes.set_ylabel("meetings / LP bound")
    axes.set_ylim(0.8, 1.01)
    axes.legend(loc="lower right")
    axes.set_title("Meetings scheduled, 1,000 requests, 16 slots × 40 tables, 6 interpreters")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)
