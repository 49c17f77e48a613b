"""Hostile and malformed inbound events, drawn by Hypothesis, each knowing how the system must end it.

An event is refused by NATS at publish (larger than the stream or the server takes, a JetStream header the
stream does not allow), dropped by JetStream as a duplicate (a replayed `Nats-Msg-Id`), or stored; a stored
one is dead-lettered by every consumer of its subject (or only by the one whose domain refuses it), except a
replay of a processed event with the same content, which is acknowledged as the duplicate it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from tests.support.hostile.bodies import broken_json, huge, unknown_vocabulary, wrong_types
from tests.support.hostile.envelopes import (
    bad_attributes,
    bad_structured,
    control_headers,
    not_an_agency,
    replays,
    spoofed_source,
)
from tests.support.hostile.events import MATCHING, GoodEvent, Hostile, examples, good_events

__all__ = ["MATCHING", "GoodEvent", "Hostile", "examples", "good_events", "hostile_events"]


def hostile_events(good: Sequence[GoodEvent]) -> st.SearchStrategy[Hostile]:
    """Every kind of hostile event; replays reuse the ids of `good`."""
    return st.one_of(
        broken_json(),
        wrong_types(),
        huge(),
        unknown_vocabulary(),
        spoofed_source(),
        bad_attributes(),
        bad_structured(),
        not_an_agency(),
        control_headers(),
        replays(good),
    )
