"""Candidate retrieval: inverted indexes, as bitsets, from terms to the companies offering or requesting them.

A pair's score is at most its *need* (complementarity both ways, see `scoring`), and need depends
only on how many of one side's requested terms the other side offers, and the reverse. Postings are
Python integers used as bitsets over a country's companies, so counting "offers at least j of these
terms" for every stored company at once is a handful of big-integer ANDs and ORs, done in C. The
search walks the (terms met one way, terms met the other way) levels from the highest bound down,
takes out only the companies of the levels it reaches, and scores them exactly, best tight bound
first (need bound times a cheap bound of the context part). It stops when no bound can reach the
k-th best score found, so the result is exactly what scoring every stored company gives (`scan`, the
brute-force baseline kept for tests and the benchmark), for a small fraction of the work.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from services.matching.domain.bitsets import at_least, bitset, exactly, levels, members
from services.matching.domain.profiles import Company
from services.matching.domain.scoring import Weights, score

_COUNTRIES = ("TH", "JP")
_EPSILON = 1e-9
_CERTIFIED_NEEDS = 1
_CAPABILITIES = 2

Masks = tuple[int, int, int, int, int, int]
"""A company's fields, languages, sought and played partnerships and sectors as bit masks, and flags.

Companies share them a lot, so each distinct one is kept once, and the search prices each once."""
Candidate = tuple[float, Company, Masks]
"""A company with twice the upper bound of its need, as the search meets it."""


@dataclass(frozen=True, slots=True)
class Ranked:
    company: Company
    score: float


class _Shard:
    """The companies of one country: slots, per-slot data and postings as bitsets over the slots."""

    def __init__(self, saturation: int) -> None:
        self.slots: dict[str, int] = {}
        self.companies: list[Company | None] = []
        self.masks: list[Masks] = []
        self.free: list[int] = []
        self.offered: dict[str, int] = {}
        self.requested: dict[str, int] = {}
        self.present = 0
        self.levels = [0] * (saturation + 1)
        """Slots by how many requested terms fully meet their needs (0: they request nothing)."""
        self.saturation = saturation

    def level(self, company: Company) -> int:
        return min(len(company.requested), self.saturation)

    def put(self, company: Company, masks: Masks) -> None:
        if self.free:
            slot = self.free.pop()
            self.companies[slot], self.masks[slot] = company, masks
        else:
            slot = len(self.companies)
            self.companies.append(company)
            self.masks.append(masks)
        self.slots[company.company_id] = slot
        bit = 1 << slot
        self.present |= bit
        self.levels[self.level(company)] |= bit
        for postings, terms in ((self.offered, company.offered), (self.requested, company.requested)):
            for term in terms:
                postings[term] = postings.get(term, 0) | bit

    def remove(self, company_id: str) -> Company | None:
        slot = self.slots.pop(company_id, None)
        if slot is None:
            return None
        company = self.companies[slot]
        assert company is not None
        bit = 1 << slot
        self.present ^= bit
        self.levels[self.level(company)] ^= bit
        for postings, terms in ((self.offered, company.offered), (self.requested, company.requested)):
            for term in terms:
                remaining = postings[term] ^ bit
                if remaining:
                    postings[term] = remaining
                else:
                    del postings[term]
        self.companies[slot] = None
        self.free.append(slot)
        return company

    def build(self, entries: list[tuple[Company, Masks]]) -> None:
        """Fill an empty shard at once: postings are assembled as byte arrays, not bit by bit."""
        assert not self.companies
        offered: dict[str, list[int]] = {}
        requested: dict[str, list[int]] = {}
        levels: list[list[int]] = [[] for _ in self.levels]
        for slot, (company, masks) in enumerate(entries):
            self.slots[company.company_id] = slot
            self.companies.append(company)
            self.masks.append(masks)
            levels[self.level(company)].append(slot)
            for term in company.offered:
                offered.setdefault(term, []).append(slot)
            for term in company.requested:
                requested.setdefault(term, []).append(slot)
        size = len(entries)
        self.present = bitset(range(size), size)
        self.levels = [bitset(slots, size) for slots in levels]
        self.offered = {term: bitset(slots, size) for term, slots in offered.items()}
        self.requested = {term: bitset(slots, size) for term, slots in requested.items()}

    def candidates(self, company: Company, its_needed: int) -> Iterator[Candidate]:
        """Companies of this shard sharing a term with `company` either way, highest need bound first."""
        saturation = self.saturation
        meets = at_least((self.offered.get(term, 0) for term in company.requested), its_needed)
        needs = at_least((self.requested.get(term, 0) for term in company.offered), saturation)
        exactly_meets = exactly(meets, self.present)
        exactly_needs = exactly(needs, self.present)
        own = self.slots.get(company.company_id)
        companies, masks = self.companies, self.masks
        for bound, met, level, needed in levels(its_needed, saturation):
            if level == 0:
                found = exactly_meets[met] & self.levels[0]
            else:
                # A company needing `level` terms counts as fully met by any `level` of them.
                them = needs[needed] if needed == level else exactly_needs[needed]
                found = exactly_meets[met] & them & self.levels[level]
            if found:
                for slot in members(found):
                    if slot != own:
                        yield bound, companies[slot], masks[slot]  # type: ignore[misc]


class CandidateIndex:
    """The matchable companies of both countries; `put` replaces a company's entry, `remove` drops it."""

    def __init__(self, weights: Weights, *, cross_border_only: bool = True) -> None:
        self.weights = weights
        self.cross_border_only = cross_border_only
        self._shards = {country: _Shard(weights.saturation) for country in _COUNTRIES}
        self._bits: dict[str, int] = {}
        self._masks: dict[Masks, Masks] = {}

    @classmethod
    def build(cls, weights: Weights, companies: Iterable[Company], *, cross_border_only: bool = True) -> CandidateIndex:
        """An index of `companies`, built in one go (start-up, benchmarks)."""
        index = cls(weights, cross_border_only=cross_border_only)
        entries: dict[str, list[tuple[Company, Masks]]] = {country: [] for country in _COUNTRIES}
        for company in companies:
            entries[company.country].append((company, index._masks_of(company)))
        for country, shard in index._shards.items():
            shard.build(entries[country])
        return index

    def __len__(self) -> int:
        return sum(len(shard.slots) for shard in self._shards.values())

    def __contains__(self, company_id: object) -> bool:
        return any(company_id in shard.slots for shard in self._shards.values())

    def get(self, company_id: str) -> Company | None:
        for shard in self._shards.values():
            slot = shard.slots.get(company_id)
            if slot is not None:
                return shard.companies[slot]
        return None

    def companies(self) -> Iterator[Company]:
        for shard in self._shards.values():
            yield from (company for company in shard.companies if company is not None)

    def put(self, company: Company) -> None:
        self.remove(company.company_id)
        self._shards[company.country].put(company, self._masks_of(company))

    def remove(self, company_id: str) -> Company | None:
        for shard in self._shards.values():
            if company_id in shard.slots:
                return shard.remove(company_id)
        return None

    def partner_countries(self, country: str) -> tuple[str, ...]:
        return tuple(other for other in _COUNTRIES if other != country) if self.cross_border_only else _COUNTRIES

    def search(self, company: Company, *, k: int, threshold: float) -> list[Ranked]:
        """The `k` best-scoring partners at or above `threshold`, best first (ties by `tie_break`)."""
        its_needed = min(len(company.requested), self.weights.saturation)
        streams = [self._shards[c].candidates(company, its_needed) for c in self.partner_countries(company.country)]
        search = _Search(self.weights, company, self._masks_of(company), k, threshold)
        search.consider(streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_highest_first))
        return search.result()

    def scan(self, company: Company, *, k: int, threshold: float) -> list[Ranked]:
        """What `search` returns, found by scoring every stored company: the brute-force baseline."""
        best: list[tuple[float, str, Ranked]] = []
        for country in self.partner_countries(company.country):
            for candidate in self._shards[country].companies:
                if candidate is None or candidate.company_id == company.company_id:
                    continue
                value = score(company, candidate, self.weights)
                if value >= threshold:
                    _keep(best, value, company, candidate, k)
        return [ranked for _, _, ranked in best]

    def _masks_of(self, company: Company) -> Masks:
        flags = (_CERTIFIED_NEEDS if any(need.certifications for need in company.needs) else 0) | (
            _CAPABILITIES if company.capabilities else 0
        )
        masks = (
            self._mask("field", company.fields),
            self._mask("language", company.languages),
            self._mask("partnership", company.seeks),
            self._mask("partnership", company.plays),
            self._mask("sector", company.sectors),
            flags,
        )
        return self._masks.setdefault(masks, masks)

    def _mask(self, space: str, values: Iterable[str]) -> int:
        mask = 0
        for value in values:
            mask |= self._bits.setdefault(f"{space}:{value}", 1 << len(self._bits))
        return mask


def _highest_first(candidate: Candidate) -> float:
    return -candidate[0]


class _Search:
    """The k best so far and the floor a candidate must reach (in doubled score units, as bounds are)."""

    def __init__(self, weights: Weights, company: Company, masks: Masks, k: int, threshold: float) -> None:
        self.weights = weights
        self.company = company
        self.masks = masks
        self.k = k
        self.threshold = threshold
        self.floor = 2 * threshold
        self.best: list[tuple[float, str, Ranked]] = []

    def result(self) -> list[Ranked]:
        return [ranked for _, _, ranked in self.best]

    def consider(self, candidates: Iterable[Candidate]) -> None:
        """Score the candidates that can still reach the floor; they come highest bound first."""
        contexts: dict[Masks, float] = {}
        waiting: list[tuple[float, str, Company]] = []  # by tight bound, best first
        for bound, candidate, masks in candidates:
            while waiting and -waiting[0][0] + _EPSILON >= bound:
                self._score(heapq.heappop(waiting))
            if bound + _EPSILON < self.floor:
                break
            context = contexts.get(masks)
            if context is None:
                context = contexts[masks] = self._context(masks)
            tight = bound * context
            if tight + _EPSILON >= self.floor:
                heapq.heappush(waiting, (-tight, candidate.company_id, candidate))
        while waiting and -waiting[0][0] + _EPSILON >= self.floor:
            self._score(heapq.heappop(waiting))

    def _context(self, masks: Masks) -> float:
        """At most the context part of the score with a company of these masks (`scoring` counts each term
        only if it holds; certifications and verified capabilities only if either side has any)."""
        weights = self.weights
        fields, languages, seeks, plays, sectors, flags = self.masks
        other_fields, other_languages, other_seeks, other_plays, other_sectors, other_flags = masks
        either = flags | other_flags
        return (
            weights.base
            + (weights.field if fields & other_fields else 0.0)
            + (weights.partnership if seeks & other_plays or other_seeks & plays else 0.0)
            + (weights.language if languages & other_languages else 0.0)
            + (weights.sector if sectors & other_sectors else 0.0)
            + (weights.certification if either & _CERTIFIED_NEEDS else 0.0)
            + (weights.capability if either & _CAPABILITIES else 0.0)
        )

    def _score(self, entry: tuple[float, str, Company]) -> None:
        tight, _, candidate = entry
        if -tight + _EPSILON < self.floor:
            return
        value = score(self.company, candidate, self.weights)
        if (
            value >= self.threshold
            and _keep(self.best, value, self.company, candidate, self.k)
            and len(self.best) == self.k
        ):
            self.floor = max(self.floor, -2 * self.best[-1][0])


def _keep(best: list[tuple[float, str, Ranked]], value: float, company: Company, candidate: Company, k: int) -> bool:
    """Insert into the k best (by score, ties by `tie_break`); whether it made it in."""
    entry = (-value, tie_break(company.company_id, candidate.company_id), Ranked(candidate, value))
    if len(best) == k and entry[:2] >= best[-1][:2]:
        return False
    bisect.insort(best, entry, key=itemgetter(0, 1))
    del best[k:]
    return True


def tie_break(one: str, other: str) -> str:
    """The order among equally good partners: a hash of the pair, the same from either side and in every
    process, so that equally good partners share the proposals instead of the lowest ids taking them all."""
    first, second = (one, other) if one < other else (other, one)
    return hashlib.blake2b(f"{first}|{second}".encode(), digest_size=8).hexdigest()
