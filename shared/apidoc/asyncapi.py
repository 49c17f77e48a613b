"""The AsyncAPI 3.0 document of every subject, from Kakehashi's point of view (it receives what agencies send)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from shared.apidoc.examples import examples_of
from shared.contracts.base import Contract
from shared.contracts.catalogue import all_contracts
from shared.contracts.subjects import AGENCY_PATTERN

VERSION = "1.0.0"
_COMPONENTS = "#/components/schemas/{model}"

DESCRIPTION = """\
Kakehashi (架け橋, "bridge") is the event backbone of the industrial collaboration between Thailand's
Department of Industrial Promotion and Mie Prefecture. Agency systems publish events on
`collab.in.<agency>.…`; Kakehashi's services publish on `collab.<service>.…`; what an agency should read
arrives on `collab.out.<agency>.…`.

Every message is a CloudEvents 1.0 event in NATS binary mode: the attributes are headers (`ce-id`,
`ce-source`, `ce-type`, `ce-specversion`, `ce-time`, `ce-subject`), the data is the JSON body
(`content-type: application/json`), and `Nats-Msg-Id` equals `ce-id`, so that JetStream drops a
repeated publish. Structured mode (`content-type: application/cloudevents+json`) is accepted on input.
`ce-source` must be `urn:collab:agency:<agency>` (optionally `:<system>`) on that agency's subjects.

An event that cannot be processed (invalid JSON, a field that breaks the contract, an unknown type, a
spoofed source, an id reused for other content, a domain refusal) is not retried: the agency receives
`collab.out.<agency>.rejected.v1` naming the event and each problem, field by field.

Within a version only optional fields are added; a breaking change is a new `.vN` subject published
alongside the old one during migration.
"""


def channel_id(contract: type[Contract]) -> str:
    """`collab.in.{agency}.company.profile_submitted.v1` → `in-company-profile_submitted-v1`."""
    parts = [part for part in contract.subject.split(".")[1:] if part != "{agency}"]
    return "-".join(parts)


def _headers(contract: type[Contract]) -> dict[str, Any]:
    route = contract.route
    if route.direction == "inbound":
        source = {"type": "string", "pattern": rf"^urn:collab:agency:{AGENCY_PATTERN}(:.+)?$"}
        source["description"] = "The publishing agency: must be the agency of the subject."
    else:
        owner = route.service or "matching|events|training|notify"
        source = {"type": "string", "pattern": rf"^urn:collab:service:({owner})$"}
        source["description"] = "The publishing service."
    return {
        "type": "object",
        "required": ["ce-specversion", "ce-id", "ce-source", "ce-type", "content-type"],
        "properties": {
            "ce-specversion": {"type": "string", "const": "1.0", "description": "CloudEvents version."},
            "ce-id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 256,
                "description": "Unique per event; resending the same event keeps it, new content needs a new id.",
                "examples": ["0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42"],
            },
            "ce-source": source,
            "ce-type": {"type": "string", "const": contract.ce_type(), "description": "The event type."},
            "ce-time": {
                "type": "string",
                "format": "date-time",
                "description": "When it happened (RFC 3339 with a zone).",
                "examples": ["2026-11-26T03:15:00Z"],
            },
            "ce-subject": {"type": "string", "description": "The main entity's id, e.g. the company id."},
            "content-type": {"type": "string", "const": "application/json"},
            "Nats-Msg-Id": {"type": "string", "description": "Equal to ce-id: JetStream's duplicate detection."},
            "traceparent": {
                "type": "string",
                "pattern": "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                "description": "W3C trace context, carried to every event this one causes.",
            },
        },
    }


def _example_headers(contract: type[Contract], agency: str | None) -> dict[str, str]:
    source = f"urn:collab:agency:{agency}" if agency else f"urn:collab:service:{contract.route.service or 'matching'}"
    return {
        "ce-specversion": "1.0",
        "ce-id": "0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42",
        "ce-source": source,
        "ce-type": contract.ce_type(),
        "ce-time": "2026-11-26T03:15:00Z",
        "content-type": "application/json",
        "Nats-Msg-Id": "0b9e7f3c-2d1f-4f59-9a55-8f1d2a6c1e42",
    }


def _summary(contract: type[Contract]) -> str:
    return (contract.__doc__ or contract.__name__).strip().splitlines()[0]


def asyncapi_document() -> dict[str, Any]:
    contracts = all_contracts()
    keys, top = models_json_schema([(contract, "validation") for contract in contracts], ref_template=_COMPONENTS)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in contracts:
        ident = channel_id(contract)
        route = contract.route
        agency = "th-dip" if route.has_agency else None
        payload = keys[(contract, "validation")]
        messages[ident] = {
            "name": ident,
            "title": contract.__name__,
            "summary": _summary(contract),
            "contentType": "application/json",
            "headers": _headers(contract),
            "payload": payload,
            "examples": [
                {
                    "name": f"example-{number}",
                    "summary": f"{contract.__name__} on {route.address(agency) if agency else route.address()}",
                    "headers": _example_headers(contract, agency),
                    "payload": payload,
                }
                for number, payload in enumerate(examples_of(contract), start=1)
            ],
        }
        channel: dict[str, Any] = {
            "address": route.template,
            "title": contract.__name__,
            "summary": _summary(contract),
            "messages": {ident: {"$ref": f"#/components/messages/{ident}"}},
        }
        if route.has_agency:
            channel["parameters"] = {
                "agency": {
                    "description": "The agency's id: lower-case letters, digits and single hyphens.",
                    "examples": ["th-dip", "jp-mie"],
                }
            }
        channels[ident] = channel
        receives = route.direction == "inbound"
        operations[f"{'receive' if receives else 'send'}-{ident}"] = {
            "action": "receive" if receives else "send",
            "channel": {"$ref": f"#/channels/{ident}"},
            "summary": (
                f"Agencies publish {contract.__name__}; Kakehashi's services consume it."
                if receives
                else f"{(route.service or 'A service').capitalize()} publishes {contract.__name__}."
                if route.direction == "service"
                else f"Kakehashi tells the agency: {contract.__name__}."
            ),
            "messages": [{"$ref": f"#/channels/{ident}/messages/{ident}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:collab:kakehashi",
        "info": {
            "title": "Kakehashi event API",
            "version": VERSION,
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
            "tags": [{"name": "thailand-mie"}, {"name": "cloudevents"}],
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "The embedded nats-server of `kakehashi up`.",
            },
            "production": {
                "host": "nats.kakehashi.example:4222",
                "protocol": "nats",
                "description": "The programme's NATS JetStream cluster; each agency connects with its own user.",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": _sorted(schemas)},
    }


def _sorted(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}
