"""Hostile envelopes: spoofed sources, bad CloudEvents attributes and subjects, control headers, replayed ids."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Sequence
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from shared.contracts.agency.company import ProfileSubmitted
from shared.contracts.subjects import (
    AGENCY_PATTERN,
    MAX_AGENCY_LENGTH,
    SERVICES,
    agency_source,
    service_source,
    source_belongs,
)
from shared.messaging.envelope import (
    CE_ID,
    CONTENT_TYPE,
    JSON,
    NATS_MSG_ID,
    STRUCTURED,
)
from shared.synthetic import AGENCIES
from tests.support.hostile.bodies import broken_json, wrong_types
from tests.support.hostile.events import (
    INBOUND,
    JSON_VALUES,
    KNOWN_TYPES,
    TIME,
    Fate,
    GoodEvent,
    Hostile,
    ce_headers,
    encoded,
    payload,
    sent,
)


@st.composite
def spoofed_source(draw: st.DrawFn) -> Hostile:
    contract = draw(st.sampled_from(INBOUND))
    agency, data = draw(payload(contract))
    other = next(name for name in AGENCIES.values() if name != agency)
    source = draw(
        st.sampled_from(
            [
                agency_source(other),
                agency_source(other) + ":sme-registry",
                *(service_source(service) for service in SERVICES),
                f"urn:collab:agency:{agency}x",
                f"URN:COLLAB:AGENCY:{agency.upper()}",
                f"urn:collab:agency:{agency}/../{other}",
                "urn:collab:agency:*",
            ]
        )
        | st.text(min_size=1, max_size=80).map(sent)
    )
    subject = contract.route.address(agency)
    assume(not source_belongs(source, subject))
    return Hostile("spoofed source", subject, ce_headers(contract, agency, ce_source=source), encoded(data))


@st.composite
def bad_attributes(draw: st.DrawFn) -> Hostile:
    contract = draw(st.sampled_from(INBOUND))
    agency, data = draw(payload(contract))
    subject = contract.route.address(agency)
    variant = draw(
        st.sampled_from(
            [
                "missing ce-specversion",
                "missing ce-id",
                "missing ce-source",
                "missing ce-type",
                "wrong specversion",
                "empty id",
                "id too long",
                "NUL in id",
                "unreadable time",
                "unknown type",
                "the type of another subject",
                "unsupported content type",
            ]
        )
    )
    kind = f"bad CloudEvents attributes: {variant}"
    body = encoded(data)
    if variant.startswith("missing "):
        name = variant.removeprefix("missing ")
        return Hostile(kind, subject, ce_headers(contract, agency, **{name: None}), body, stamp_ce_id=name != CE_ID)
    if variant == "wrong specversion":
        version = draw(st.sampled_from(["0.3", "1", "2.0", "1.0.0", "v1.0"]) | st.text(max_size=10).map(sent))
        assume(version != "1.0")
        return Hostile(kind, subject, ce_headers(contract, agency, ce_specversion=version), body)
    if variant in ("empty id", "id too long", "NUL in id"):
        event_id = {"empty id": "", "NUL in id": "nul\x00id"}.get(variant) or "i" * draw(st.integers(257, 10_000))
        return Hostile(kind, subject, {**ce_headers(contract, agency), CE_ID: event_id}, body, stamp_ce_id=False)
    if variant == "unreadable time":
        moment = draw(
            st.sampled_from(["yesterday", "2026-11-26T03:15:00", "2026-13-45T99:00:00Z"])
            | st.text(max_size=30).map(sent)
        )
        assume(not _resolves_time(moment))
        return Hostile(kind, subject, ce_headers(contract, agency, ce_time=moment), body)
    if variant == "unknown type":
        ce_type = draw(st.just(contract.ce_type().replace(".v1", ".v2")) | st.text(min_size=1, max_size=60).map(sent))
        assume(ce_type not in KNOWN_TYPES)
        return Hostile(kind, subject, ce_headers(contract, agency, ce_type=ce_type), body)
    if variant == "the type of another subject":
        other = draw(st.sampled_from([found for found in INBOUND if found is not contract]))
        _, other_data = draw(payload(other))
        return Hostile(kind, subject, ce_headers(other, agency), encoded(other_data))
    content_type = draw(
        st.sampled_from(
            ["text/plain", "application/xml", "application/octet-stream", "application/cloudevents-batch+json"]
        )
        | st.text(max_size=30).map(sent)
    )
    assume(content_type.split(";")[0].strip().lower() not in (JSON, STRUCTURED))
    return Hostile(kind, subject, ce_headers(contract, agency, content_type=content_type), body)


@st.composite
def bad_structured(draw: st.DrawFn) -> Hostile:
    """Structured mode (`application/cloudevents+json`): attributes and data in one body, done wrong."""
    contract = draw(st.sampled_from(INBOUND))
    agency, data = draw(payload(contract))
    variant = draw(st.sampled_from(["not an object", "no data", "data not JSON", "attributes missing"]))
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(draw(st.uuids())),
        "source": agency_source(agency),
        "type": contract.ce_type(),
        "time": TIME,
        "datacontenttype": JSON,
        "data": data,
    }
    structured: Any = attributes
    if variant == "not an object":
        structured = draw(JSON_VALUES.filter(lambda found: not isinstance(found, dict)))
    elif variant == "no data":
        del attributes["data"]
    elif variant == "data not JSON":
        attributes["datacontenttype"] = draw(st.sampled_from(["text/xml", "application/xml", "text/plain"]))
    else:
        del attributes[draw(st.sampled_from(["specversion", "id", "source", "type"]))]
    kind = f"bad structured mode: {variant}"
    subject = contract.route.address(agency)
    return Hostile(kind, subject, {CONTENT_TYPE: STRUCTURED}, encoded(structured), stamp_ce_id=False)


_TIMES: TypeAdapter[AwareDatetime] = TypeAdapter(AwareDatetime)


def _resolves_time(moment: str) -> bool:
    try:
        _TIMES.validate_python(moment)
    except ValidationError:
        return False
    return True


@st.composite
def not_an_agency(draw: st.DrawFn) -> Hostile:
    """A subject whose agency part is no agency id, with a source that matches it."""
    contract = draw(st.sampled_from(INBOUND))
    _, data = draw(payload(contract))
    agency = draw(
        st.sampled_from(["TH-DIP", "th_dip", "Jp-Mie", "th--dip", "-th", "9th", "th-"])
        | st.text(alphabet=string.ascii_lowercase, min_size=65, max_size=120)
        | st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=30)
    )
    assume(not _is_agency_id(agency))
    subject = contract.subject.replace("{agency}", agency)
    return Hostile(
        "not an agency", subject, ce_headers(contract, "x", ce_source=f"urn:collab:agency:{agency}"), encoded(data)
    )


def _is_agency_id(agency: str) -> bool:
    return len(agency) <= MAX_AGENCY_LENGTH and re.fullmatch(AGENCY_PATTERN, agency) is not None


_CONTROL: tuple[tuple[str, str, Fate], ...] = (
    ("Nats-Expected-Stream", "COLLAB_IN", "stored"),
    ("Nats-Expected-Stream", "DLQ", "refused"),
    ("Nats-Rollup", "all", "refused"),
    ("Nats-TTL", "1s", "refused"),
    ("Nats-Expected-Last-Msg-Id", "no-such-message", "refused"),
    ("Kakehashi-Dead-Letter", '{"kind": "permanent", "reason": "forged"', "stored"),
    ("traceparent", "00-zzzz-not-a-trace", "stored"),
    ("X-Note", "สวัสดี 日本語 ünïcödé", "stored"),
)


@st.composite
def control_headers(draw: st.DrawFn) -> Hostile:
    """A bad event carrying a header that JetStream or Kakehashi give a meaning to, or a non-ASCII one."""
    base = draw(broken_json() | wrong_types() | spoofed_source())
    name, value, fate = draw(st.sampled_from(_CONTROL))
    return Hostile(
        f"control header {name}: {value[:20]}", base.subject, {**base.headers, name: value}, base.body, fate=fate
    )


def replays(good: Sequence[GoodEvent]) -> st.SearchStrategy[Hostile]:
    """A good event's id again: with its `Nats-Msg-Id` (JetStream drops it), or a new one (the inbox decides)."""

    @st.composite
    def replay(draw: st.DrawFn) -> Hostile:
        original = good[draw(st.integers(0, len(good) - 1))]
        variant = draw(
            st.sampled_from(["same Nats-Msg-Id, new body", "same ce-id, new body", "same ce-id, same content"])
        )
        headers = {**ce_headers(ProfileSubmitted, original.agency), CE_ID: original.event_id}
        changed = {
            **original.data,
            "profile_version": draw(st.integers(2, 9)),
            "employees": draw(st.integers(0, 100_000)),
        }
        kind = f"replayed id: {variant}"
        subject = original.message.subject
        if variant == "same Nats-Msg-Id, new body":
            headers[NATS_MSG_ID] = original.message.id
            return Hostile(kind, subject, headers, encoded(changed), fate="duplicate", replay=True, stamp_ce_id=False)
        if variant == "same ce-id, new body":
            return Hostile(kind, subject, headers, encoded(changed), replay=True, stamp_ce_id=False)
        again = json.dumps(original.data, sort_keys=True, indent=draw(st.none() | st.integers(0, 4))).encode()
        return Hostile(kind, subject, headers, again, replay=True, harmless=True, stamp_ce_id=False)

    return replay()
