"""When to try a notification again, when to give up, and when the daily digest goes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A failed send is tried again after a doubling delay, and given up after `attempts` tries.

    The schedule is kept in the database, not in a sleeping task, so it survives restarts and a
    notification waiting for its next try holds no worker.
    """

    attempts: int = 10
    first_delay: float = 5.0
    max_delay: float = 900.0

    def delay(self, attempts_made: int) -> float:
        """Seconds to wait after the `attempts_made`-th failed attempt."""
        return float(min(self.max_delay, self.first_delay * 2.0 ** max(0, attempts_made - 1)))

    def gives_up(self, attempts_made: int, *, permanent: bool) -> bool:
        return permanent or attempts_made >= self.attempts


@dataclass(frozen=True, slots=True)
class DigestClock:
    """The digest runs every `every`, at times aligned on `at` (UTC): 01:00 UTC is 08:00 in Bangkok and
    10:00 in Mie. Tests shorten `every` to seconds."""

    every: timedelta = timedelta(days=1)
    at: time = time(1, 0)

    def next_run(self, now: datetime) -> datetime:
        """The first run time strictly after `now`."""
        anchor = datetime.combine(now.date(), self.at, tzinfo=now.tzinfo)
        periods = (now - anchor) // self.every + 1
        return anchor + periods * self.every
