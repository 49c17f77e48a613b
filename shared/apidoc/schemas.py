"""One JSON Schema (draft 2020-12) per contract, as agencies validate against it."""

from __future__ import annotations

from typing import Any

from shared.contracts.base import Contract

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_id(contract: type[Contract]) -> str:
    return contract.ce_type()


def contract_schema(contract: type[Contract]) -> dict[str, Any]:
    """The contract's payload schema, self-contained (`$defs`), with its subject and type on record."""
    schema = contract.model_json_schema(mode="validation")
    return {
        "$schema": DIALECT,
        "$id": f"https://kakehashi.example/schemas/{schema_id(contract)}.json",
        "x-subject": contract.subject,
        "x-ce-type": contract.ce_type(),
        **schema,
    }
