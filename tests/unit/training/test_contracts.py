"""The training contracts as public API: every field, nested ones included, described with an example that validates."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from shared.contracts.agency.training import CompletionRecorded, CoursePublished, LearnerErasureRequested
from shared.contracts.training import SkillRecordUpdated
from tests.unit.training.builders import completion

CONTRACTS = (CoursePublished, CompletionRecorded, LearnerErasureRequested, SkillRecordUpdated)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "training.md"


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        for candidate in _types(field.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                _models(candidate, seen)


def _types(annotation: Any) -> list[Any]:
    found = [annotation]
    for argument in getattr(annotation, "__args__", ()) or ():
        found.extend(_types(argument))
    origin = getattr(annotation, "__origin__", None)
    if origin is not None:
        found.extend(_types(origin))
    return found


def test_every_field_of_every_part_is_described_with_an_example() -> None:
    models: set[type[BaseModel]] = set()
    for contract in CONTRACTS:
        _models(contract, models)
    assert len(models) >= 14, sorted(model.__name__ for model in models)
    for model in models:
        assert model.__doc__, f"{model.__name__} has no docstring"
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            assert field.examples, f"{model.__name__}.{name} has no example"


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda contract: contract.__name__)
def test_the_examples_of_each_field_make_a_valid_event(contract: type[BaseModel]) -> None:
    example = {name: field.examples[0] for name, field in contract.model_fields.items() if field.examples}
    contract.model_validate(example)


def test_each_whole_completion_example_is_one_valid_form() -> None:
    xapi, simple = (completion(dict(example)) for example in CompletionRecorded.payload_examples)
    assert (xapi.form, simple.form) == ("xapi", "simple")


def test_the_json_examples_in_the_documentation_are_valid() -> None:
    """Each ```json block after `<!-- example: Contract -->` in docs/training.md is a valid payload."""
    by_name = {contract.__name__: contract for contract in CONTRACTS}
    found = re.findall(r"<!-- example: (\w+) -->\n```json\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert [name for name, _ in found] == [
        "CoursePublished",
        "CompletionRecorded",
        "CompletionRecorded",
        "LearnerErasureRequested",
        "SkillRecordUpdated",
    ]
    for name, block in found:
        by_name[name].model_validate(json.loads(block))
    for name, block in found:
        if name == "CompletionRecorded":
            completion(json.loads(block))  # the domain accepts it too: one form, consistent
