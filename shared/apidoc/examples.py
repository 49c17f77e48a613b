"""Example payloads built from the examples every contract field declares, and checked against the contract."""

from __future__ import annotations

from typing import Any

from shared.contracts.base import Contract


def example_data(contract: type[Contract]) -> dict[str, Any]:
    """A valid payload of `contract`: its first whole example if it declares some (`payload_examples`),
    else each field's first example; validated, with defaults filled in."""
    return examples_of(contract)[0]


def examples_of(contract: type[Contract]) -> list[dict[str, Any]]:
    """Every example payload of `contract`, each checked against it."""
    declared: list[dict[str, Any]] = [dict(example) for example in contract.payload_examples]
    if not declared:
        declared = [{name: field.examples[0] for name, field in contract.model_fields.items() if field.examples}]
    return [contract.model_validate(raw).model_dump(mode="json") for raw in declared]
