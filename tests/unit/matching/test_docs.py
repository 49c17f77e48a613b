"""The matching documentation's JSON examples are valid events of the contracts they illustrate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.matching.config import MatchingSettings
from shared.contracts.catalogue import all_contracts
from shared.settings import ServiceSettings

DOC = (Path(__file__).resolve().parents[3] / "docs" / "matching.md").read_text()
EXAMPLES = re.findall(r"<!-- example: (\w+) -->\n```json\n(.*?)```", DOC, re.DOTALL)
CONTRACTS = {contract.__name__: contract for contract in all_contracts()}


def test_every_inbound_contract_has_an_example() -> None:
    assert {name for name, _ in EXAMPLES} >= {
        "ProfileSubmitted",
        "ProfileWithdrawn",
        "MatchResponseSubmitted",
        "SkillRecordUpdated",
        "MatchProposed",
    }


@pytest.mark.parametrize(("name", "body"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_each_example_is_valid(name: str, body: str) -> None:
    CONTRACTS[name].model_validate(json.loads(body))


def test_every_setting_of_the_service_is_documented() -> None:
    for name in MatchingSettings.model_fields.keys() - ServiceSettings.model_fields.keys():
        assert f"`KAKEHASHI_MATCHING_{name.upper()}`" in DOC, name
