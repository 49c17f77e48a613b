"""The events service's rules, pure and synchronous: places and the waiting list, meeting requests, grids.

Nothing here touches a database, the broker, settings or logs. A rule that says no raises
`Refused` with the reason the agency will read; handlers turn it into a `PermanentError`.
"""

from __future__ import annotations

from shared.contracts.rejections import Problem


class Refused(Exception):
    """A domain refusal: the event can never be processed as sent, and here is why."""

    def __init__(self, reason: str, *problems: tuple[str, str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = tuple(Problem(field=field, problem=problem) for field, problem in problems)
