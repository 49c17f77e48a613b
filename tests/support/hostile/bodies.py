"""Hostile bodies: broken JSON, wrong types, sizes beyond every limit, vocabulary only matching checks."""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Callable
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from shared.contracts.agency.company import ProfileSubmitted
from shared.messaging.envelope import (
    CE_ID,
    CE_SOURCE,
    CE_SUBJECT,
    CE_TYPE,
    NATS_MSG_ID,
)
from shared.reference import UnknownCode, UnknownRegion, industries, regions
from shared.taxonomy import load_fields
from tests.support.hostile.events import (
    BODY_LIMIT,
    HEADERS_LIMIT,
    INBOUND,
    JSON_VALUES,
    MATCHING,
    SERVER_LIMIT,
    STREAM_LIMIT,
    Fate,
    Hostile,
    agency_for,
    ce_headers,
    encoded,
    fits,
    header_block,
    payload,
    profile_data,
)


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return False
    return True


# --- the kinds of hostile events --------------------------------------------------------------------


@st.composite
def broken_json(draw: st.DrawFn) -> Hostile:
    data = draw(profile_data())
    agency, text = agency_for(data), encoded(data)
    variant = draw(
        st.sampled_from(
            [
                "truncated",
                "not JSON",
                "empty",
                "not UTF-8",
                "nested too deep",
                "integer too long",
                "unpaired surrogate",
                "NUL character",
                "NaN or Infinity",
            ]
        )
    )
    if variant == "truncated":
        body = text[: draw(st.integers(1, len(text) - 1))]
    elif variant == "not JSON":
        body = draw(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
        assume(not _parses(body))
    elif variant == "empty":
        body = b""
    elif variant == "not UTF-8":
        at = draw(st.integers(0, len(text)))
        body = text[:at] + bytes([draw(st.integers(0x80, 0xFF))]) + text[at:]
        try:
            body.decode()
        except UnicodeDecodeError:
            pass
        else:
            assume(False)
    elif variant == "nested too deep":
        depth = draw(st.integers(1_000, 100_000))
        body = b"[" * depth + b"]" * depth
    elif variant == "integer too long":
        digits = str(draw(st.integers(1, 9))) * draw(st.integers(4_301, 50_000))
        body = encoded({**data, "employees": 0}).replace(b'"employees": 0', b'"employees": ' + digits.encode())
    elif variant == "unpaired surrogate":
        lone = chr(draw(st.integers(0xD800, 0xDFFF)))
        body = json.dumps({**data, "name": {**data["name"], "en": draw(st.text(max_size=10)) + lone}}).encode()
    elif variant == "NUL character":
        body = encoded({**data, "contact": {**data["contact"], "name": "Somchai\x00P."}})
    else:
        body = encoded({**data, "employees": float(draw(st.sampled_from(["nan", "inf", "-inf"])))})
    return Hostile(
        f"broken JSON: {variant}", ProfileSubmitted.route.address(agency), ce_headers(ProfileSubmitted, agency), body
    )


@st.composite
def wrong_types(draw: st.DrawFn) -> Hostile:
    contract = draw(st.sampled_from(INBOUND))
    agency, data = draw(payload(contract))
    variant = draw(st.sampled_from(["a field of the wrong type", "a required field missing", "not an object"]))
    value: Any = data
    if variant == "a field of the wrong type":
        data[draw(st.sampled_from(sorted(data)))] = draw(JSON_VALUES)
    elif variant == "a required field missing":
        del data[
            draw(st.sampled_from(sorted(name for name, field in contract.model_fields.items() if field.is_required())))
        ]
    else:
        value = draw(JSON_VALUES.filter(lambda found: not isinstance(found, dict)))
    assume(not fits(contract, value))
    return Hostile(
        f"wrong types: {variant}", contract.route.address(agency), ce_headers(contract, agency), encoded(value)
    )


@st.composite
def huge(draw: st.DrawFn) -> Hostile:
    data = draw(profile_data())
    agency = agency_for(data)
    subject, headers = ProfileSubmitted.route.address(agency), ce_headers(ProfileSubmitted, agency)
    variant = draw(
        st.sampled_from(
            ["a string beyond its limit"] * 3
            + ["a header beyond its limit"] * 2
            + [
                "a body beyond the services' limit",
                "a body beyond the stream's limit",
                "a body beyond the server's limit",
            ]
        )
    )
    if variant == "a string beyond its limit":
        path = draw(st.sampled_from([("region",), ("website",), ("contact", "name"), ("description", "en")]))
        filler = draw(st.text(alphabet=string.ascii_letters, min_size=1, max_size=5)) * draw(
            st.integers(5_001, 200_000)
        )
        parent = data
        for key in path[:-1]:
            parent[key] = dict(parent[key] or {})
            parent = parent[key]
        parent[path[-1]] = filler[:200_000]
        return Hostile(f"huge: {variant}", subject, headers, encoded(data))
    if variant == "a header beyond its limit":
        name = draw(st.sampled_from([CE_ID, CE_SUBJECT, CE_SOURCE, CE_TYPE]))
        size = draw(st.integers(1_000, 63_000) | st.integers(67_000, 300_000))
        headers = {**headers, name: "h" * size}
        fate: Fate = "refused" if header_block({**headers, NATS_MSG_ID: "x" * 40}) > HEADERS_LIMIT else "stored"
        return Hostile(f"huge: {variant}", subject, headers, encoded(data), fate=fate, stamp_ce_id=name != CE_ID)
    sizes: dict[str, tuple[int, int, Fate]] = {
        "a body beyond the services' limit": (BODY_LIMIT + 1_000, STREAM_LIMIT - 20_000, "stored"),
        "a body beyond the stream's limit": (STREAM_LIMIT + 10_000, SERVER_LIMIT - 20_000, "refused"),
        "a body beyond the server's limit": (SERVER_LIMIT + 10_000, 2 * SERVER_LIMIT, "refused"),
    }
    low, high, fate = sizes[variant]
    size = draw(st.integers(low, high))
    base = encoded({**data, "description": {"en": ""}})
    body = encoded({**data, "description": {"en": "d" * (size - len(base))}})
    return Hostile(f"huge: {variant}", subject, headers, body, fate=fate)


@st.composite
def unknown_vocabulary(draw: st.DrawFn) -> Hostile:
    """Well-formed profiles naming a region, industry or field matching does not know: only matching refuses them."""
    data = draw(profile_data())
    variant = draw(
        st.sampled_from(["an unknown region", "an unknown industry code", "an unknown field of cooperation"])
    )
    if variant == "an unknown region":
        region = draw(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=40))
        assume(not _resolves(lambda: regions().resolve(data["country"], region)))
        data["region"] = region
    elif variant == "an unknown industry code":
        code = draw(
            st.from_regex(r"\A[0-9]{4,5}\Z")
            | st.from_regex(r"\Ajsic:[0-9]{3,4}\Z")
            | st.from_regex(r"\A[A-Za-z0-9]{1,16}\Z")
        )
        assume(not _resolves(lambda: industries().normalise(code)))
        if data["offers"] and draw(st.booleans()):
            data["offers"][0]["sectors"] = [*data["offers"][0]["sectors"], code]
        else:
            data["sectors"] = [*data["sectors"], code]
    else:
        field = draw(st.from_regex(r"\A[a-z][a-z0-9_]{1,30}\Z"))
        assume(field not in _fields())
        data["fields"] = [*data["fields"], field]
    assume(fits(ProfileSubmitted, data))
    agency = agency_for(data)
    return Hostile(
        f"unknown vocabulary: {variant}",
        ProfileSubmitted.route.address(agency),
        ce_headers(ProfileSubmitted, agency),
        encoded(data),
        refused_by=MATCHING,
    )


def _resolves(look_up: Callable[[], object]) -> bool:
    try:
        look_up()
    except (UnknownRegion, UnknownCode):
        return False
    return True


@functools.cache
def _fields() -> frozenset[str]:
    return frozenset(load_fields().ids())
