"""Breaking changes to a contract's JSON Schema are caught; additive optional fields pass."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.apidoc.compat import breaking_changes


class Address(BaseModel):
    city: str
    postcode: str | None = None


class V1(BaseModel):
    company_id: str = Field(max_length=64)
    employees: int | None = None
    kind: Literal["supplier", "buyer"]
    address: Address
    tags: tuple[str, ...] = ()


def _changes(new: type[BaseModel]) -> list[str]:
    return breaking_changes(V1.model_json_schema(), new.model_json_schema())


def test_the_same_schema_and_an_added_optional_field_are_compatible() -> None:
    class Added(V1):
        website: str | None = None

    assert _changes(V1) == []
    assert _changes(Added) == []


def test_a_removed_or_renamed_field_breaks() -> None:
    class Renamed(BaseModel):
        company: str
        employees: int | None = None
        kind: Literal["supplier", "buyer"]
        address: Address
        tags: tuple[str, ...] = ()

    assert "company_id: removed (or renamed)" in _changes(Renamed)
    assert "company: newly required" in _changes(Renamed)


def test_a_narrowed_type_breaks() -> None:
    class Narrowed(V1):
        employees: int

    changes = _changes(Narrowed)
    assert "employees: no longer accepts null" in changes
    assert "employees: newly required" in changes


def test_a_changed_type_a_narrowed_enum_and_a_tighter_limit_break() -> None:
    class Changed(V1):
        company_id: str = Field(max_length=32)
        kind: Literal["supplier"]
        tags: tuple[int, ...] = ()  # type: ignore[assignment]

    changes = _changes(Changed)
    assert "company_id: maxLength is now 32 (was 64)" in changes
    assert "kind: no longer accepts ['buyer']" in changes
    assert "tags[]: no longer accepts string" in changes


def test_a_change_inside_a_nested_part_breaks() -> None:
    class Street(BaseModel):
        city: str
        postcode: str

    class Nested(V1):
        address: Street  # type: ignore[assignment]

    assert _changes(Nested) == ["address.postcode: no longer accepts null", "address.postcode: newly required"]


def test_widening_is_compatible() -> None:
    class Widened(V1):
        company_id: str = Field(max_length=128)
        employees: int | float | None = None  # type: ignore[assignment]
        kind: Literal["supplier", "buyer", "distributor"]  # type: ignore[assignment]

    assert _changes(Widened) == []


def test_an_object_with_alternative_forms_is_compared_form_by_form() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "company_id": {"type": "string"},
            "statement": {"type": "object"},
            "learner_id": {"type": "string"},
        },
        "required": ["company_id"],
        "oneOf": [
            {"title": "xAPI form", "required": ["statement"]},
            {"title": "simple form", "required": ["learner_id"]},
        ],
    }
    assert breaking_changes(schema, schema) == []
    only_xapi = {**schema, "oneOf": [schema["oneOf"][0]]}
    assert breaking_changes(schema, only_xapi) == ["the event: the form 'simple form' is gone"]
    stricter = {**schema, "oneOf": [schema["oneOf"][0], {"title": "simple form", "required": ["learner_id", "x"]}]}
    assert breaking_changes(schema, stricter) == ["the event: the form 'simple form' now requires x"]
