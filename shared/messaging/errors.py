"""How a failed event is classified: permanent (to the DLQ at once) or transient (retried, then the DLQ)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from shared.contracts.common import PATTERN_WORDS
from shared.contracts.rejections import Problem

_MAX_INPUT_SHOWN = 60


class PermanentError(Exception):
    """An event that can never be processed as it is: retrying would fail the same way.

    It goes straight to the DLQ, and when an agency sent it, the agency is told why, field by field.
    Handlers raise it for domain refusals too ("registration is closed").
    """

    def __init__(self, reason: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = tuple(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.reason
        details = "; ".join(f"{p.field}: {p.problem}" for p in self.problems)
        return f"{self.reason} ({details})"


class ConflictingDuplicate(PermanentError):
    """The same event id arrived again with different content."""


def problems_from(error: ValidationError, *, prefix: str = "") -> tuple[Problem, ...]:
    """Pydantic's errors as field-by-field problems in plain words."""
    problems = []
    for detail in error.errors(include_url=False):
        path = ".".join(str(part) for part in detail["loc"])
        field = f"{prefix}{path}" if path else (prefix.rstrip(".") or "body")
        message = detail["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        pattern = (detail.get("ctx") or {}).get("pattern")
        if detail["type"] == "string_pattern_mismatch" and pattern in PATTERN_WORDS:
            message = PATTERN_WORDS[pattern]
        given = detail.get("input")
        if detail["type"] != "missing" and isinstance(given, str | int | float | bool):
            shown = repr(given)
            if len(shown) > _MAX_INPUT_SHOWN:
                shown = shown[: _MAX_INPUT_SHOWN - 1] + "…"
            message = f"{message} (got {shown})"
        problems.append(Problem(field=field, problem=message))
    return tuple(problems)


def is_permanent(error: BaseException) -> bool:
    """Whether retrying cannot help. Everything else (databases, the broker, timeouts, bugs) is retried."""
    return isinstance(error, PermanentError | ValidationError)


def as_permanent(error: BaseException) -> PermanentError:
    if isinstance(error, PermanentError):
        return error
    if isinstance(error, ValidationError):
        return PermanentError(f"The data does not match {error.title}.", problems_from(error))
    return PermanentError(str(error))
