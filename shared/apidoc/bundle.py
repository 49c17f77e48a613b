"""The files of docs/contracts/, as generated from the code, and the compatibility gate before writing them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from shared.apidoc.asyncapi import asyncapi_document
from shared.apidoc.compat import breaking_changes
from shared.apidoc.examples import examples_of
from shared.apidoc.html import render_html
from shared.apidoc.schemas import contract_schema, schema_id
from shared.contracts.catalogue import all_contracts

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "contracts"


def bundle() -> dict[str, str]:
    """Relative path → content of every generated file."""
    document = asyncapi_document()
    files = {
        "asyncapi.yaml": yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110),
        "index.html": render_html(document),
    }
    for contract in all_contracts():
        schema = json.dumps(contract_schema(contract), indent=2, ensure_ascii=False) + "\n"
        files[f"schemas/{schema_id(contract)}.json"] = schema
        if contract.route.direction == "inbound":
            # Ready to send: `kakehashi publish docs/contracts/examples/<type>.json --as <agency>`.
            for number, payload in enumerate(examples_of(contract), start=1):
                example = {"type": contract.ce_type(), "data": payload}
                name = schema_id(contract) + ("" if number == 1 else f".example-{number}")
                files[f"examples/{name}.json"] = json.dumps(example, indent=2, ensure_ascii=False) + "\n"
    return files


def check_compatibility(directory: Path, files: dict[str, str], *, allow_removed: bool = False) -> list[str]:
    """Breaking changes between the committed schemas in `directory` and the generated `files`."""
    problems = []
    for committed in sorted((directory / "schemas").glob("*.json")):
        name = f"schemas/{committed.name}"
        if name not in files:
            if not allow_removed:
                problems.append(f"{committed.stem}: the contract is gone from the code")
            continue
        old, new = json.loads(committed.read_text()), json.loads(files[name])
        problems.extend(f"{committed.stem}: {change}" for change in breaking_changes(old, new))
    return problems
