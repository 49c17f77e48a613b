"""How well two companies fit, and why: a score from 0 to 1 that splits exactly into its reasons.

    score = need × (base + Σ weight_j · [context j holds])

`need` is complementarity both ways, the mean of "B meets A's requests" and "A meets B's requests".
One way, it is the share of the requester's terms the other side offers (declared offers, its own
sectors, or verified capabilities), counting `saturation` terms as fully met; a request that names
certifications is met only by a partner holding them all. The context terms (shared field of
cooperation, partnership types that fit, shared language, shared sector, certifications a request
named and the partner holds, a capability verified by training) raise the score of a complementary
pair but cannot make a pair without complementarity score above zero. Because the context part is at
most 1, `need` bounds the score: the index uses that to stop early without losing any match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.matching.domain.profiles import EMPTY, SECTOR, Company
from services.matching.domain.reasons import Drafts, Side
from shared.contracts.matching import Reason, ReasonCode


@dataclass(frozen=True, slots=True)
class Weights:
    """Shares of the context terms; what they leave (`base`) scales complementarity alone."""

    field: float = 0.15
    partnership: float = 0.15
    language: float = 0.10
    sector: float = 0.05
    certification: float = 0.05
    capability: float = 0.05
    saturation: int = 3

    @property
    def base(self) -> float:
        return 1.0 - (
            self.field + self.partnership + self.language + self.sector + self.certification + self.capability
        )


@dataclass(frozen=True, slots=True)
class Assessment:
    """A pair's score with its reasons, strongest first; the reasons' weights add up to the score."""

    score: float
    need: float
    interpreter_needed: bool
    reasons: tuple[Reason, ...]


@dataclass(slots=True)
class _Direction:
    """What one side's requests found in the other side's offers."""

    coverage: float = 0.0
    declared: frozenset[str] = EMPTY
    """Matched terms the offering side declared."""
    verified: frozenset[str] = EMPTY
    """Matched terms only a verified capability of the offering side provides."""
    certifications: frozenset[str] = EMPTY
    """Certifications the met requests named (all held by the offering side)."""


def _direction(requester: Company, offerer: Company, saturation: int) -> _Direction:
    requested = requester.requested
    if not requested or requested.isdisjoint(offerer.offered):
        return _Direction()
    offered, held = offerer.offered, offerer.held
    matched: set[str] = set()
    certifications: set[str] = set()
    for need in requester.needs:
        if need.certifications and not need.certifications <= held:
            continue
        hit = need.terms & offered
        if hit:
            matched |= hit
            certifications |= need.certifications
    if not matched:
        return _Direction()
    declared = frozenset(matched & offerer.offer_terms)
    return _Direction(
        coverage=min(1.0, len(matched) / min(len(requested), saturation)),
        declared=declared,
        verified=frozenset(matched) - declared,
        certifications=frozenset(certifications),
    )


@dataclass(slots=True)
class _Measure:
    score: float
    need: float
    b_meets_a: _Direction
    a_meets_b: _Direction
    fields: frozenset[str] = EMPTY
    partnerships: frozenset[str] = EMPTY
    languages: frozenset[str] = EMPTY
    sectors: frozenset[str] = EMPTY
    capability_used: bool = False
    context: dict[str, float] = field(default_factory=dict)


def _measure(a: Company, b: Company, weights: Weights) -> _Measure:
    b_meets_a = _direction(a, b, weights.saturation)
    a_meets_b = _direction(b, a, weights.saturation)
    need = (b_meets_a.coverage + a_meets_b.coverage) / 2
    if need == 0.0:
        return _Measure(0.0, 0.0, b_meets_a, a_meets_b)
    fields = a.fields & b.fields
    partnerships = (a.seeks & b.plays) | (b.seeks & a.plays)
    languages = a.languages & b.languages
    sectors = a.sectors & b.sectors
    certified = bool(b_meets_a.certifications or a_meets_b.certifications)
    capability_used = bool(
        b_meets_a.verified
        or a_meets_b.verified
        or b_meets_a.certifications - b.certifications
        or a_meets_b.certifications - a.certifications
    )
    context = {
        "shared_field": weights.field if fields else 0.0,
        "partnership_fit": weights.partnership if partnerships else 0.0,
        "shared_language": weights.language if languages else 0.0,
        "shared_sector": weights.sector if sectors else 0.0,
        "certification_held": weights.certification if certified else 0.0,
        "verified_capability": weights.capability if capability_used else 0.0,
    }
    value = combined(b_meets_a.coverage, a_meets_b.coverage, context.values(), weights.base)
    return _Measure(
        value, need, b_meets_a, a_meets_b, fields, partnerships, languages, sectors, capability_used, context
    )


def combined(b_meets_a: float, a_meets_b: float, context: Iterable[float], base: float) -> float:
    """The score from both coverages and the weights of the context terms that hold, in `Weights` order.

    The one place the arithmetic is done: the index computes some scores without `score`, and they
    must be the very same floating-point numbers."""
    return (b_meets_a + a_meets_b) / 2 * (base + sum(context))


def score(a: Company, b: Company, weights: Weights) -> float:
    """The pair's score alone (what ranking needs)."""
    return _measure(a, b, weights).score


def assess(a: Company, b: Company, weights: Weights) -> Assessment:
    """The pair's score and every reason for it; `a` is the side whose profile triggered the assessment."""
    measure = _measure(a, b, weights)
    if measure.need == 0.0:
        return Assessment(0.0, 0.0, not (a.languages & b.languages), ())
    drafts = Drafts()
    for side, direction, offerer in _sides(measure, a, b):
        if not direction.coverage:
            continue
        share = weights.base * direction.coverage / 2
        total = len(direction.declared) + len(direction.verified)
        if direction.declared:
            drafts.add("offer_meets_request", side, share * len(direction.declared) / total, terms=direction.declared)
        if direction.verified:
            drafts.add(
                "verified_capability",
                side,
                share * len(direction.verified) / total,
                terms=direction.verified,
                skills=_skills_for(offerer, direction.verified, EMPTY),
            )
    need = measure.need
    if measure.context["shared_field"]:
        drafts.add("shared_field", None, need * weights.field, fields=measure.fields)
    if measure.context["partnership_fit"]:
        drafts.add("partnership_fit", None, need * weights.partnership, partnerships=measure.partnerships)
    if measure.context["shared_language"]:
        drafts.add("shared_language", None, need * weights.language, languages=measure.languages)
    else:
        drafts.add("interpreter_needed", None, 0.0)
    if measure.context["shared_sector"]:
        drafts.add("shared_sector", None, need * weights.sector, terms=frozenset(SECTOR + s for s in measure.sectors))
    _certification_reasons(drafts, measure, a, b, need * weights.certification)
    if measure.capability_used:
        holders = [
            side
            for side, direction, offerer in _sides(measure, a, b)
            if direction.verified or direction.certifications - offerer.certifications
        ]
        for side in holders:
            drafts.add("verified_capability", side, need * weights.capability / len(holders))
    return Assessment(
        score=measure.score,
        need=measure.need,
        interpreter_needed=not measure.languages,
        reasons=drafts.reasons(),
    )


def _sides(measure: _Measure, a: Company, b: Company) -> tuple[tuple[Side, _Direction, Company], ...]:
    """Each direction with the side that offers in it: B meets A's requests, then A meets B's."""
    return (("b", measure.b_meets_a, b), ("a", measure.a_meets_b, a))


def _certification_reasons(drafts: Drafts, measure: _Measure, a: Company, b: Company, weight: float) -> None:
    """Certifications a met request named: declared ones as `certification_held`, trained ones as a capability."""
    found: list[tuple[ReasonCode, Side, frozenset[str], Company]] = []
    for side, direction, offerer in _sides(measure, a, b):
        declared = direction.certifications & offerer.certifications
        verified = direction.certifications - offerer.certifications
        if declared:
            found.append(("certification_held", side, declared, offerer))
        if verified:
            found.append(("verified_capability", side, verified, offerer))
    for code, side, certifications, offerer in found:
        skills = _skills_for(offerer, EMPTY, certifications) if code == "verified_capability" else EMPTY
        drafts.add(code, side, weight / len(found), certifications=certifications, skills=skills)


def _skills_for(company: Company, terms: frozenset[str], certifications: frozenset[str]) -> frozenset[str]:
    return frozenset(
        capability.skill_id
        for capability in company.capabilities
        if capability.terms & terms or capability.certifications & certifications
    )
