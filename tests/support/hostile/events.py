"""What hostile events are made of: the event and its expected fate, valid payloads, headers, the good load."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.apidoc.examples import example_data
from shared.contracts.agency.company import ProfileSubmitted
from shared.contracts.base import Contract
from shared.contracts.catalogue import all_contracts
from shared.contracts.subjects import agency_source
from shared.messaging.envelope import (
    CE_ID,
    CE_SOURCE,
    CE_SPECVERSION,
    CE_TIME,
    CE_TYPE,
    CONTENT_TYPE,
    JSON,
    NATS_MSG_ID,
    STRUCTURED,
    OutgoingMessage,
    encode,
)
from shared.synthetic import AGENCIES, agency_of, profile, profiles

T = TypeVar("T")
Fate = Literal["stored", "refused", "duplicate"]

INBOUND: tuple[type[Contract], ...] = tuple(c for c in all_contracts() if c.route.direction == "inbound")
KNOWN_TYPES = frozenset(contract.ce_type() for contract in all_contracts())
HEADERS_LIMIT = 64 * 1024
"""JetStream refuses a message whose header block is larger ("header size exceeds maximum allowed of 64k")."""
STREAM_LIMIT = 512 * 1024
"""COLLAB_IN's max_msg_size."""
BODY_LIMIT = 256 * 1024
"""The services' KAKEHASHI_MAX_EVENT_BYTES: larger bodies are stored but refused by the consumers."""
SERVER_LIMIT = 1024 * 1024
"""nats-server's max_payload: the client refuses larger messages before sending them."""
TIME = "2026-11-26T03:15:00Z"
MATCHING = "matching-agencies"
HOSTILE_SEED = 58
"""The synthetic profiles hostile events are made of: other companies than the good ones (seed % 97 differs)."""


@dataclass(frozen=True, slots=True)
class GoodEvent:
    """A good event of the load, with what a replay of its id needs."""

    message: OutgoingMessage
    event_id: str
    agency: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Hostile:
    """One hostile event, before it gets its id, and the way it must end."""

    kind: str
    subject: str
    headers: Mapping[str, str]
    body: bytes
    fate: Fate = "stored"
    refused_by: str | None = None
    """The one consumer whose domain refuses it (matching, for an unknown region); None: all that take its subject."""
    replay: bool = False
    """It reuses a good event's id, so it is published after the good ones."""
    harmless: bool = False
    """The same id with the same content: acknowledged as a duplicate, not dead-lettered."""
    stamp_ce_id: bool = True
    """Whether `message` sets `ce-id` (not when the event's point is a missing, empty or reused one)."""

    def message(self, event_id: str) -> OutgoingMessage:
        headers = dict(self.headers)
        if self.stamp_ce_id:
            headers[CE_ID] = event_id
        headers.setdefault(NATS_MSG_ID, event_id)
        return OutgoingMessage(self.subject, headers, self.body)


def examples(strategy: st.SearchStrategy[T], count: int, *, seed_value: int) -> list[T]:
    """`count` examples of `strategy` as Hypothesis generates them for a test (edge cases included),
    the same ones on every run: a fixed seed, no example database, no shrinking."""
    found: list[T] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: T) -> None:
        found.append(example)

    collect()
    return found[:count]


# --- building blocks -------------------------------------------------------------------------------

_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_NEWLINES = str.maketrans({"\r": " ", "\n": " "})


def sent(value: str) -> str:
    """A header value as nats-py puts it on the wire: trimmed, CR and LF turned into spaces."""
    return value.strip().translate(_NEWLINES)


def encoded(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def header_block(headers: Mapping[str, str]) -> int:
    """The size of the NATS header block JetStream measures."""
    return len(b"NATS/1.0\r\n\r\n") + sum(len(name) + len(value.encode()) + 4 for name, value in headers.items())


def fits(contract: type[Contract], data: Any) -> bool:
    try:
        contract.model_validate(data)
    except ValidationError:
        return False
    return True


def ce_headers(contract: type[Contract], agency: str, **changes: str | None) -> dict[str, str]:
    """Binary-mode CloudEvents headers of an agency's event (without `ce-id`); `None` removes one."""
    headers = {
        CE_SPECVERSION: "1.0",
        CE_SOURCE: agency_source(agency),
        CE_TYPE: contract.ce_type(),
        CE_TIME: TIME,
        CONTENT_TYPE: JSON,
    }
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return headers


def agency_for(data: Mapping[str, Any]) -> str:
    """The agency that sends a profile's data."""
    return AGENCIES[data["country"]]


@st.composite
def profile_data(draw: st.DrawFn) -> dict[str, Any]:
    """A valid profile of a company not among the good ones (another seed)."""
    return profile(draw(st.integers(0, 99_999)), seed=HOSTILE_SEED).model_dump(mode="json")


@st.composite
def payload(draw: st.DrawFn, contract: type[Contract]) -> tuple[str, dict[str, Any]]:
    """A valid payload of `contract` and the agency that would send it."""
    if contract is ProfileSubmitted:
        data = draw(profile_data())
        return agency_for(data), data
    return draw(st.sampled_from(sorted(AGENCIES.values()))), example_data(contract)


# --- the good load -----------------------------------------------------------------------------------


def good_events(count: int, *, seed_value: int) -> list[GoodEvent]:
    """Synthetic profiles as their agencies send them; some in structured mode, some with capitalised headers."""
    events = []
    for index, company in enumerate(profiles(count, seed=seed_value)):
        agency = agency_of(company)
        event_id = str(uuid.uuid5(_GOOD_IDS, f"{seed_value}:{index}"))
        message = encode(
            company, source=agency_source(agency), agency=agency, subject_id=company.company_id, event_id=event_id
        )
        if index % 10 == 3:
            message = structured(message)
        elif index % 10 == 7:
            message = capitalised(message)
        events.append(GoodEvent(message, event_id, agency, json.loads(company.model_dump_json())))
    return events


_GOOD_IDS = uuid.UUID("3b0f1c9e-8d2a-4e57-b6c1-2f9a7d4e5c10")


def structured(message: OutgoingMessage) -> OutgoingMessage:
    """The same CloudEvent in structured mode: attributes and data in one JSON body."""
    attributes = {name[3:]: value for name, value in message.headers.items() if name.startswith("ce-")}
    body = encoded({**attributes, "datacontenttype": JSON, "data": json.loads(message.body)})
    return OutgoingMessage(message.subject, {CONTENT_TYPE: STRUCTURED, NATS_MSG_ID: message.id}, body)


def capitalised(message: OutgoingMessage) -> OutgoingMessage:
    """The same message with `Ce-Id`-style header names, as some HTTP-minded senders write them."""
    headers = {
        "-".join(part.capitalize() for part in name.split("-")): value for name, value in message.headers.items()
    }
    return OutgoingMessage(message.subject, headers, message.body)
