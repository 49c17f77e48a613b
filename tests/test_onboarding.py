"""The agency onboarding guide covers every event an agency can send, with an example that exists."""

from __future__ import annotations

from pathlib import Path

from shared.contracts.catalogue import all_contracts

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "onboarding.md").read_text()


def test_every_inbound_event_is_in_the_guide_with_its_example() -> None:
    for contract in all_contracts():
        if contract.route.direction != "inbound":
            continue
        assert f"`{contract.ce_type()}`" in GUIDE, f"{contract.ce_type()} is missing from docs/onboarding.md"
        example = f"contracts/examples/{contract.ce_type()}.json"
        assert example in GUIDE
        assert (ROOT / "docs" / example).is_file()
