"""Bitsets as Python integers: counting, for every company at once, how many of some postings it is in.

A posting is an integer whose bit n is set when the company in slot n offers (or requests) the term.
The operations below work on all companies of a country in a few big-integer operations, in C.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator


def at_least(postings: Iterable[int], most: int) -> list[int]:
    """`[_, ≥1, ≥2, …, ≥most]`: the companies found in at least j of `postings`, for each j."""
    counts = [0] * (most + 2)
    for posting in postings:
        if posting:
            for j in range(most, 1, -1):
                counts[j] |= counts[j - 1] & posting
            counts[1] |= posting
    return counts


def exactly(at_least: list[int], present: int) -> list[int]:
    """`[=0, =1, …]` from `[_, ≥1, ≥2, …]`: companies found in exactly j postings (the last entry stays ≥)."""
    exactly = [present ^ (present & at_least[1])]
    for j in range(1, len(at_least) - 1):
        exactly.append(at_least[j] ^ (at_least[j] & at_least[j + 1]))
    return exactly


@functools.cache
def levels(its_needed: int, saturation: int) -> tuple[tuple[float, int, int, int], ...]:
    """Every (twice the need bound, terms met, level, terms needed) combination, highest bound first.

    `terms met`: how many of the new company's needed terms a candidate offers (0 … its_needed);
    `level`: how many terms fully meet the candidate's own needs (0 when it requests nothing);
    `terms needed`: how many of those the new company offers (0 … level).
    """
    combinations = [
        ((met / its_needed if its_needed else 0.0) + (needed / level if level else 0.0), met, level, needed)
        for met, level in itertools.product(range(its_needed + 1), range(saturation + 1))
        for needed in range(level + 1)
    ]
    return tuple(sorted((c for c in combinations if c[0] > 0), key=lambda c: (-c[0], -c[1], -c[2], -c[3])))


def bitset(slots: Iterable[int], size: int) -> int:
    buffer = bytearray((size + 7) // 8)
    for slot in slots:
        buffer[slot >> 3] |= 1 << (slot & 7)
    return int.from_bytes(buffer, "little")


@functools.cache
def _bits_of_byte() -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256))


_NONZERO = bytes([0] + [1] * 255)


def members(bitset: int) -> Iterator[int]:
    """The slots set in `bitset`, lowest first."""
    data = bitset.to_bytes((bitset.bit_length() + 7) // 8, "little")
    flags = data.translate(_NONZERO)
    bits = _bits_of_byte()
    position = flags.find(1)
    while position >= 0:
        base = position * 8
        for bit in bits[data[position]]:
            yield base + bit
        position = flags.find(1, position + 1)
