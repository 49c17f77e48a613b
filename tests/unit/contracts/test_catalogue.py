"""The catalogue of contracts: complete, unambiguous, documented."""

from __future__ import annotations

from shared.contracts.catalogue import all_contracts, by_type


def test_the_catalogue_holds_each_contract_once_with_a_distinct_type() -> None:
    contracts = all_contracts()
    subjects = [contract.subject for contract in contracts]
    assert len(set(subjects)) == len(subjects)
    assert len(by_type()) == len(contracts)
    assert {
        "collab.in.{agency}.company.profile_submitted.v1",
        "collab.in.{agency}.company.profile_withdrawn.v1",
        "collab.matching.match.proposed.v1",
        "collab.training.skill_record.updated.v1",
        "collab.out.{agency}.rejected.v1",
    } <= set(subjects)


def test_every_contract_produces_a_json_schema_with_descriptions() -> None:
    for contract in all_contracts():
        schema = contract.model_json_schema()
        for name, field in schema["properties"].items():
            assert field.get("description"), f"{contract.__name__}.{name} has no description"
