"""Event contracts: pydantic models only, one module per producing context; no logic, no I/O."""

from shared.contracts.base import Contract, Part
from shared.contracts.rejections import EventRejected, Problem

__all__ = ["Contract", "EventRejected", "Part", "Problem"]
