"""Candidate retrieval: inverted indexes, as bitsets, from terms and traits to the companies that have them.

A pair's score is its *need* (complementarity both ways, see `scoring`) times its *context* factor.
Need depends only on how many of one side's requested terms the other side offers, and the reverse;
the context factor only on which of six terms hold (shared field, partnership fit, shared language,
shared sector, and, as far as an index can tell, certifications and verified capabilities).
Postings are Python integers used as bitsets over a country's companies, so "offers at least j of
these terms" or "shares one of these fields" for every stored company at once is a handful of
big-integer ANDs and ORs, done in C.

The search walks groups of companies best bound first: the (terms met one way, terms met the other
way) levels, each split by the context terms into groups whose bound is that of all its members. It
takes out only the companies of the groups it reaches and stops when no bound can reach the k-th
best score found, so the result is exactly what scoring every stored company gives (`scan`, the
brute-force baseline kept for tests and the benchmark), for a small fraction of the work. Where
neither side names certifications in a request nor has verified capabilities, a group's bound *is*
its members' score, computed with the same arithmetic as `scoring.score`; only the other companies
are scored one by one.
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
from services.matching.domain.scoring import Weights, combined, score

_COUNTRIES = ("TH", "JP")
_EPSILON = 1e-9
_CERTIFIED_NEEDS = "certified-needs"
_CAPABILITIES = "capabilities"
_EXACT_DEPTH = 4
"""Groups split by the first four context terms only are scored as a whole (the last two mark inexact ones)."""

Traits = tuple[str, ...]
"""What a company's context is indexed by: its fields, languages, partnership types, sectors and flags."""


@dataclass(frozen=True, slots=True)
class Ranked:
    company: Company
    score: float


class _Shard:
    """The companies of one country: slots, per-slot data and postings as bitsets over the slots."""

    def __init__(self, saturation: int) -> None:
        self.slots: dict[str, int] = {}
        self.companies: list[Company | None] = []
        self.hashes: list[int] = []
        """The hash of the company id in each slot (0 when free): what tie-breaks read, without the company."""
        self.traits: list[Traits] = []
        self.free: list[int] = []
        self.offered: dict[str, int] = {}
        self.requested: dict[str, int] = {}
        self.having: dict[str, int] = {}
        """Postings of traits: companies by field, language, partnership sought and played, sector, flag."""
        self.present = 0
        self.levels = [0] * (saturation + 1)
        """Slots by how many requested terms fully meet their needs (0: they request nothing)."""
        self.saturation = saturation

    def level(self, company: Company) -> int:
        return min(len(company.requested), self.saturation)

    def _postings(self, company: Company, traits: Traits) -> Iterator[tuple[dict[str, int], Iterable[str]]]:
        yield self.offered, company.offered
        yield self.requested, company.requested
        yield self.having, traits

    def put(self, company: Company, traits: Traits) -> None:
        if self.free:
            slot = self.free.pop()
            self.companies[slot], self.hashes[slot], self.traits[slot] = company, id_hash(company.company_id), traits
        else:
            slot = len(self.companies)
            self.companies.append(company)
            self.hashes.append(id_hash(company.company_id))
            self.traits.append(traits)
        self.slots[company.company_id] = slot
        bit = 1 << slot
        self.present |= bit
        self.levels[self.level(company)] |= bit
        for postings, keys in self._postings(company, traits):
            for key in keys:
                postings[key] = postings.get(key, 0) | bit

    def remove(self, company_id: str) -> Company | None:
        slot = self.slots.pop(company_id, None)
        if slot is None:
            return None
        company = self.companies[slot]
        assert company is not None
        bit = 1 << slot
        self.present ^= bit
        self.levels[self.level(company)] ^= bit
        for postings, keys in self._postings(company, self.traits[slot]):
            for key in keys:
                remaining = postings[key] ^ bit
                if remaining:
                    postings[key] = remaining
                else:
                    del postings[key]
        self.companies[slot] = None
        self.hashes[slot] = 0
        self.traits[slot] = ()
        self.free.append(slot)
        return company

    def build(self, entries: list[tuple[Company, Traits]]) -> None:
        """Fill an empty shard at once: postings are assembled as byte arrays, not bit by bit."""
        assert not self.companies
        slots_of: tuple[dict[str, list[int]], ...] = ({}, {}, {})
        levels: list[list[int]] = [[] for _ in self.levels]
        for slot, (company, traits) in enumerate(entries):
            self.slots[company.company_id] = slot
            self.companies.append(company)
            self.hashes.append(id_hash(company.company_id))
            self.traits.append(traits)
            levels[self.level(company)].append(slot)
            for found, keys in zip(slots_of, (company.offered, company.requested, traits), strict=True):
                for key in keys:
                    found.setdefault(key, []).append(slot)
        size = len(entries)
        self.present = bitset(range(size), size)
        self.levels = [bitset(slots, size) for slots in levels]
        self.offered, self.requested, self.having = (
            {key: bitset(slots, size) for key, slots in found.items()} for found in slots_of
        )

    def sweep(self, company: Company, its_needed: int, context: tuple[list[str] | None, ...]) -> _Sweep:
        """What this shard holds for `company`: companies by terms met each way, and by context term."""
        meets = at_least((self.offered.get(term, 0) for term in company.requested), its_needed)
        needs = at_least((self.requested.get(term, 0) for term in company.offered), self.saturation)
        having = self.having
        holding = []
        for keys in context:
            found = self.present if keys is None else 0
            for key in keys or ():
                found |= having.get(key, 0)
            holding.append(found)
        own = self.slots.get(company.company_id)
        return _Sweep(
            self,
            exactly(meets, self.present),
            needs,
            exactly(needs, self.present),
            tuple(holding),
            holding[_EXACT_DEPTH] | holding[_EXACT_DEPTH + 1],
            levels(its_needed, self.saturation),
            self.present ^ (1 << own) if own is not None else self.present,
        )


@dataclass(frozen=True, slots=True)
class _Sweep:
    """One shard as seen from one new company."""

    shard: _Shard
    exactly_meets: list[int]
    needs: list[int]
    exactly_needs: list[int]
    holding: tuple[int, ...]
    """Companies for which each context term holds (or may hold), in `Weights` order."""
    inexact: int
    """Companies whose score with the new company only `score` can tell (certifications, capabilities)."""
    levels: tuple[tuple[float, int, int, int], ...]
    others: int
    """Every company of the shard but the new one."""

    def level(self, position: int) -> int:
        """The members of a level, by position in `levels`."""
        _, met, level, needed = self.levels[position]
        if level == 0:
            found = self.exactly_meets[met] & self.shard.levels[0]
        else:
            # A company needing `level` terms counts as fully met by any `level` of them.
            them = self.needs[needed] if needed == level else self.exactly_needs[needed]
            found = self.exactly_meets[met] & them & self.shard.levels[level]
        return found & self.others


class CandidateIndex:
    """The matchable companies of both countries; `put` replaces a company's entry, `remove` drops it."""

    def __init__(self, weights: Weights, *, cross_border_only: bool = True) -> None:
        self.weights = weights
        self.cross_border_only = cross_border_only
        self._shards = {country: _Shard(weights.saturation) for country in _COUNTRIES}
        self._traits: dict[tuple[frozenset[str], ...], Traits] = {}

    @classmethod
    def build(cls, weights: Weights, companies: Iterable[Company], *, cross_border_only: bool = True) -> CandidateIndex:
        """An index of `companies`, built in one go (start-up, benchmarks)."""
        index = cls(weights, cross_border_only=cross_border_only)
        entries: dict[str, list[tuple[Company, Traits]]] = {country: [] for country in _COUNTRIES}
        for company in companies:
            entries[company.country].append((company, index._traits_of(company)))
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
        self._shards[company.country].put(company, self._traits_of(company))

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
        context = _context_of(company)
        sweeps = [self._shards[c].sweep(company, its_needed, context) for c in self.partner_countries(company.country)]
        search = _Search(self.weights, company, k, threshold)
        search.walk(sweeps)
        return search.result()

    def scan(self, company: Company, *, k: int, threshold: float) -> list[Ranked]:
        """What `search` returns, found by scoring every stored company: the brute-force baseline."""
        best: list[tuple[float, int, Ranked]] = []
        for country in self.partner_countries(company.country):
            for candidate in self._shards[country].companies:
                if candidate is None or candidate.company_id == company.company_id:
                    continue
                value = score(company, candidate, self.weights)
                if value >= threshold:
                    _keep(best, value, tie_break(company.company_id, candidate.company_id), candidate, k)
        return [ranked for _, _, ranked in best]

    def _traits_of(self, company: Company) -> Traits:
        # Companies share their sets of fields, languages, … (`profiles.shared`): their traits are kept once.
        flags = frozenset(
            flag
            for flag, holds in (
                (_CERTIFIED_NEEDS, any(need.certifications for need in company.needs)),
                (_CAPABILITIES, bool(company.capabilities)),
            )
            if holds
        )
        key = (company.fields, company.languages, company.seeks, company.plays, company.sectors, flags)
        traits = self._traits.get(key)
        if traits is None:
            traits = self._traits[key] = (
                *(f"field:{value}" for value in sorted(company.fields)),
                *(f"language:{value}" for value in sorted(company.languages)),
                *(f"seeks:{value}" for value in sorted(company.seeks)),
                *(f"plays:{value}" for value in sorted(company.plays)),
                *(f"sector:{value}" for value in sorted(company.sectors)),
                *sorted(flags),
            )
        return traits


def _context_of(company: Company) -> tuple[list[str] | None, ...]:
    """For each context term, in `Weights` order, the traits of a partner for which it holds (or may hold)
    with `company`; None where it may hold with every partner. Certifications and capabilities may count
    if either side names or has any."""
    return (
        [f"field:{value}" for value in company.fields],
        [*(f"plays:{value}" for value in company.seeks), *(f"seeks:{value}" for value in company.plays)],
        [f"language:{value}" for value in company.languages],
        [f"sector:{value}" for value in company.sectors],
        None if any(need.certifications for need in company.needs) else [_CERTIFIED_NEEDS],
        None if company.capabilities else [_CAPABILITIES],
    )


Group = tuple[float, int, int, float, float, int, tuple[bool, ...], float, _Sweep]
"""A group on the walk: minus its bound, a sequence number (for ties), its members, both coverages
(`b_meets_a`: the new company's requests met; `a_meets_b`: the candidates'), how many context terms
it is split by (minus one less the level's position for a level not yet taken out), which of those
hold, the weight of those that hold, and its shard's sweep."""


class _Search:
    """The k best so far, the floor a candidate must reach, and the walk that finds them."""

    def __init__(self, weights: Weights, company: Company, k: int, threshold: float) -> None:
        self.weights = weights
        self.company = company
        self.k = k
        self.threshold = threshold
        self.floor = threshold
        self.best: list[tuple[float, int, Ranked]] = []
        self.own = id_hash(company.company_id)
        self.context = (
            weights.field,
            weights.partnership,
            weights.language,
            weights.sector,
            weights.certification,
            weights.capability,
        )
        self.rest = [weights.base + sum(self.context[depth:]) for depth in range(len(self.context) + 1)]
        """The most the context factor can be with nothing known about the terms from `depth` on."""
        self.its_needed = min(len(company.requested), weights.saturation)
        self.sequence = 0

    def result(self) -> list[Ranked]:
        return [ranked for _, _, ranked in self.best]

    def walk(self, sweeps: list[_Sweep]) -> None:
        """Take groups best bound first, splitting levels by context term, until none can reach the floor."""
        waiting: list[Group] = []
        for sweep in sweeps:
            self._push_level(waiting, sweep, 0)
        while waiting:
            negative, _, found, b_meets_a, a_meets_b, depth, held, known, sweep = heapq.heappop(waiting)
            if -negative + _EPSILON < self.floor:
                break
            if depth < 0:
                position = -depth - 1
                self._push_level(waiting, sweep, position + 1)
                found = sweep.level(position)
                if found:
                    self._push(waiting, (found, b_meets_a, a_meets_b, 0, (), 0.0, sweep))
            elif depth >= _EXACT_DEPTH and not found & sweep.inexact:
                self._take_exact(found, b_meets_a, a_meets_b, held, sweep)
            elif depth == len(self.context):
                self._take_scored(found, sweep)
            else:
                holding, deeper = found & sweep.holding[depth], depth + 1
                if holding:
                    more = known + self.context[depth]
                    self._push(waiting, (holding, b_meets_a, a_meets_b, deeper, (*held, True), more, sweep))
                if holding != found:
                    self._push(waiting, (found ^ holding, b_meets_a, a_meets_b, deeper, (*held, False), known, sweep))

    def _push_level(self, waiting: list[Group], sweep: _Sweep, position: int) -> None:
        """A level, to be taken out of the bitsets only when the walk reaches it."""
        if position < len(sweep.levels):
            _, met, level, needed = sweep.levels[position]
            b_meets_a = met / self.its_needed if self.its_needed else 0.0
            a_meets_b = needed / level if level else 0.0
            self.sequence += 1
            bound = (b_meets_a + a_meets_b) / 2 * self.rest[0]
            heapq.heappush(waiting, (-bound, self.sequence, 0, b_meets_a, a_meets_b, -position - 1, (), 0.0, sweep))

    def _push(
        self, waiting: list[Group], group: tuple[int, float, float, int, tuple[bool, ...], float, _Sweep]
    ) -> None:
        _, b_meets_a, a_meets_b, depth, _, known, _ = group
        bound = (b_meets_a + a_meets_b) / 2 * (self.rest[depth] + known)
        if bound + _EPSILON >= self.floor:
            self.sequence += 1
            heapq.heappush(waiting, (-bound, self.sequence, *group))

    def _take_exact(
        self, found: int, b_meets_a: float, a_meets_b: float, held: tuple[bool, ...], sweep: _Sweep
    ) -> None:
        """Members whose score the group tells: neither side names certifications or has capabilities."""
        context = [weight if holds else 0.0 for weight, holds in zip(self.context[:_EXACT_DEPTH], held, strict=False)]
        value = combined(b_meets_a, a_meets_b, [*context, 0.0, 0.0], self.weights.base)
        if value < self.threshold:
            return
        own, hashes, companies = self.own, sweep.shard.hashes, sweep.shard.companies
        tied = [(_mix(own ^ hashes[slot]), slot) for slot in members(found)]
        # Equally good, so only the first k by tie-break can make it in: no other member needs ranking.
        for tie, slot in heapq.nsmallest(self.k, tied):
            candidate = companies[slot]
            assert candidate is not None
            self._keep(value, candidate, tie)

    def _take_scored(self, found: int, sweep: _Sweep) -> None:
        companies = sweep.shard.companies
        for slot in members(found):
            candidate = companies[slot]
            assert candidate is not None
            value = score(self.company, candidate, self.weights)
            if value >= self.threshold:
                self._keep(value, candidate, _mix(self.own ^ sweep.shard.hashes[slot]))

    def _keep(self, value: float, candidate: Company, tie: int) -> None:
        if _keep(self.best, value, tie, candidate, self.k) and len(self.best) == self.k:
            self.floor = max(self.floor, -self.best[-1][0])


def _keep(best: list[tuple[float, int, Ranked]], value: float, tie: int, candidate: Company, k: int) -> bool:
    """Insert into the k best (by score, ties by `tie_break`); whether it made it in."""
    if len(best) == k and (-value, tie) >= best[-1][:2]:
        return False
    bisect.insort(best, (-value, tie, Ranked(candidate, value)), key=itemgetter(0, 1))
    del best[k:]
    return True


def tie_break(one: str, other: str) -> int:
    """The order among equally good partners: a hash of the pair, the same from either side and in every
    process, so that equally good partners share the proposals instead of the lowest ids taking them all.

    It mixes the XOR of the two ids' hashes, each computed once per company (`id_hash`): ranking a tied
    group costs a few integer operations per member, not a hash of a string."""
    return _mix(id_hash(one) ^ id_hash(other))


def id_hash(company_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(company_id.encode(), digest_size=8).digest(), "little")


_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    """SplitMix64's finaliser: a bijection whose output bits each depend on every input bit, so that the
    order it gives is not that of the XOR (which would rank a company's nearest hashes first for all)."""
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
    value = (value ^ (value >> 27)) * 0x94D049BB133111EB & _MASK
    return value ^ (value >> 31)
