"""A browsable, self-contained HTML page of the contracts, rendered from the AsyncAPI document."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_DIRECTIONS = (
    ("inbound", "Agencies publish", "Send these on `collab.in.<your agency>.…`; Kakehashi's services consume them."),
    ("to_agency", "Back to agencies", "Read these on `collab.out.<your agency>.…`."),
    ("service", "Kakehashi publishes", "Internal events between services, listed for completeness."),
)


@dataclass(frozen=True)
class FieldRow:
    path: str
    type: str
    required: bool
    description: str
    example: str


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    name = None
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = schemas[name]
    return schema, name


def describe(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    """A short human description of a schema's type: `string (≤ 80)`, `array of Listing`, `one of …`."""
    schema, name = _resolve(schema, schemas)
    if name:
        return name
    if "anyOf" in schema:
        options = [describe(option, schemas) for option in schema["anyOf"]]
        nullable = "null" in options
        options = [option for option in options if option != "null"]
        return " or ".join(options) + (" (or null)" if nullable else "")
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(value, ensure_ascii=False) for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        if "prefixItems" in schema:
            return "[" + ", ".join(describe(item, schemas) for item in schema["prefixItems"]) + "]"
        return f"array of {describe(schema.get('items', {}), schemas)}"
    limits = []
    for key, symbol in (("minLength", "≥"), ("maxLength", "≤"), ("minimum", "≥"), ("maximum", "≤")):
        if key in schema:
            unit = " chars" if "Length" in key else ""
            limits.append(f"{symbol} {schema[key]}{unit}")
    if "pattern" in schema:
        limits.append(f"pattern {schema['pattern']}")
    if schema.get("format"):
        limits.append(schema["format"])
    return str(kind) + (f" ({', '.join(limits)})" if limits else "")


def field_rows(schema: dict[str, Any], schemas: dict[str, Any], prefix: str = "", depth: int = 0) -> list[FieldRow]:
    """The fields of an object schema, nested parts flattened with dotted paths."""
    schema, _ = _resolve(schema, schemas)
    rows: list[FieldRow] = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        examples = field.get("examples")
        rows.append(
            FieldRow(
                path=path,
                type=describe(field, schemas),
                required=name in required,
                description=field.get("description", ""),
                example=json.dumps(examples[0], ensure_ascii=False) if examples else "",
            )
        )
        nested = _object_part(field, schemas)
        if nested is not None and depth < 3:
            rows.extend(field_rows(nested, schemas, f"{path}{'[]' if _is_array(field, schemas) else ''}.", depth + 1))
    return rows


def _is_array(field: dict[str, Any], schemas: dict[str, Any]) -> bool:
    resolved, _ = _resolve(field, schemas)
    return resolved.get("type") == "array"


def _object_part(field: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any] | None:
    resolved, _ = _resolve(field, schemas)
    candidates = resolved.get("anyOf", [resolved])
    for candidate in candidates:
        candidate, _ = _resolve(candidate, schemas)
        if candidate.get("type") == "array":
            candidate, _ = _resolve(candidate.get("items", {}), schemas)
        if "properties" in candidate:
            return candidate
    return None


def render_html(document: dict[str, Any]) -> str:
    environment = Environment(
        loader=PackageLoader("shared.apidoc", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    schemas = document["components"]["schemas"]
    sections = []
    for direction, title, intro in _DIRECTIONS:
        entries = []
        for ident, channel in document["channels"].items():
            address = channel["address"]
            kind = "inbound" if ".in." in address else "to_agency" if ".out." in address else "service"
            if kind != direction:
                continue
            message = document["components"]["messages"][ident]
            example = message["examples"][0]
            entries.append(
                {
                    "id": ident,
                    "address": address,
                    "message": message,
                    "fields": field_rows(message["payload"], schemas),
                    "headers": json.dumps(example["headers"], indent=2, ensure_ascii=False),
                    "example": json.dumps(example["payload"], indent=2, ensure_ascii=False),
                }
            )
        sections.append({"id": direction, "title": title, "intro": intro, "entries": entries})
    return environment.get_template("contracts.html.j2").render(info=document["info"], sections=sections)
