"""The meeting scheduler: accepted meeting requests into (slot, table) with OR-Tools CP-SAT.

Pure and synchronous, like the domain, but with a solver behind it. Nobody sits in two meetings in
one slot, no slot holds more meetings than tables or more interpreted meetings than interpreters,
and meetings already announced stay where they are. Among the schedules with the most meetings,
the one that serves the earliest-accepted requests wins.

Two CP-SAT models, because slots are interchangeable and a single model drowns in that symmetry:
1. *Selection*: which requests to schedule, with each company's free slots and the session's free
   tables and interpreters as aggregate limits. It is a relaxation of the real problem, so its
   optimum is an upper bound on the meetings any schedule can hold.
2. *Timetabling*: give every selected request a slot. When that succeeds the schedule reaches the
   bound and is optimal. When it cannot (the aggregate limits hid a conflict), a full model over
   all requests is solved instead, started from the first-fit schedule, so it never does worse.
Both run on one worker with a fixed seed and a deterministic time limit: the same input gives the
same schedule on any machine.
"""

from services.events.scheduler.bound import lp_bound
from services.events.scheduler.cpsat import SEED, schedule
from services.events.scheduler.problem import Pair, Placement, Schedule, Session, first_fit, keep_announced

__all__ = [
    "SEED",
    "Pair",
    "Placement",
    "Schedule",
    "Session",
    "first_fit",
    "keep_announced",
    "lp_bound",
    "schedule",
]
