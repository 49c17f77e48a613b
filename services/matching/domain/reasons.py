"""Reasons being gathered for a pair: one per code and side, their parameters merged and their weights summed."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from services.matching.domain.profiles import EMPTY, SECTOR, TAG
from shared.contracts.agency.company import Partnership
from shared.contracts.matching import Reason, ReasonCode

Side = Literal["a", "b"]
"""Who offers or holds what a reason names: "a" triggered the assessment, "b" is the candidate."""

_ORDER: tuple[ReasonCode, ...] = (
    "offer_meets_request",
    "verified_capability",
    "certification_held",
    "partnership_fit",
    "shared_field",
    "shared_sector",
    "shared_language",
    "interpreter_needed",
)


@dataclass(slots=True)
class _Draft:
    weight: float = 0.0
    terms: frozenset[str] = EMPTY
    fields: frozenset[str] = EMPTY
    partnerships: frozenset[str] = EMPTY
    languages: frozenset[str] = EMPTY
    certifications: frozenset[str] = EMPTY
    skills: frozenset[str] = EMPTY

    def reason(self, code: ReasonCode, side: Side | None) -> Reason:
        return _reason(
            code, side, round(self.weight, 4), self.terms, self.fields, self.partnerships, self.languages,
            self.certifications, self.skills,
        )  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)
def _reason(
    code: ReasonCode,
    side: Side | None,
    weight: float,
    terms: frozenset[str],
    fields: frozenset[str],
    partnerships: frozenset[str],
    languages: frozenset[str],
    certifications: frozenset[str],
    skills: frozenset[str],
) -> Reason:
    """A reason, made once for all the pairs it explains: weights and shared fields, languages or
    sectors repeat from pair to pair, and a `Reason` is immutable."""
    values: dict[str, object] = {"code": code, "weight": weight}
    if side is not None:
        values["offered_by"] = side
    if terms:
        tags = sorted(term[len(TAG) :] for term in terms if term.startswith(TAG))
        sectors = sorted(term[len(SECTOR) :] for term in terms if term.startswith(SECTOR))
        if tags:
            values["tags"] = tags
        if sectors:
            values["sectors"] = sectors
    if partnerships:
        values["partnerships"] = [kind for kind in _PARTNERSHIPS if kind in partnerships]
    for name, chosen in (
        ("fields", fields), ("languages", languages), ("certifications", certifications), ("skills", skills),
    ):  # fmt: skip
        if chosen:
            values[name] = sorted(chosen)
    # Validated: pydantic-core does it faster than model_construct, and it keeps us honest.
    return Reason.model_validate(values)


def forget_made_reasons() -> None:
    """Empty the cache of reasons, so that a measurement starts as a fresh process would."""
    _reason.cache_clear()


_PARTNERSHIPS: tuple[Partnership, ...] = (
    "supplier", "buyer", "distributor", "joint_venture", "technology_licensing", "subcontracting", "rd_partner",
)  # fmt: skip


class Drafts:
    """Reasons being gathered: one per code and side, their parameters merged and weights summed."""

    def __init__(self) -> None:
        self._drafts: dict[tuple[ReasonCode, Side | None], _Draft] = {}

    def add(
        self,
        code: ReasonCode,
        side: Side | None,
        weight: float,
        *,
        terms: frozenset[str] = EMPTY,
        fields: frozenset[str] = EMPTY,
        partnerships: frozenset[str] = EMPTY,
        languages: frozenset[str] = EMPTY,
        certifications: frozenset[str] = EMPTY,
        skills: frozenset[str] = EMPTY,
    ) -> None:
        draft = self._drafts.get((code, side))
        if draft is None:
            draft = self._drafts[(code, side)] = _Draft()
        draft.weight += weight
        if terms:
            draft.terms |= terms
        if fields:
            draft.fields |= fields
        if partnerships:
            draft.partnerships |= partnerships
        if languages:
            draft.languages |= languages
        if certifications:
            draft.certifications |= certifications
        if skills:
            draft.skills |= skills

    def reasons(self) -> tuple[Reason, ...]:
        ranked = sorted(
            self._drafts.items(),
            key=lambda item: (-round(item[1].weight, 9), _ORDER.index(item[0][0]), item[0][1] or ""),
        )
        return tuple(draft.reason(code, side) for (code, side), draft in ranked)
