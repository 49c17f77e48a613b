"""The contract base: frozen, tolerant of additions, documented field by field."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from shared.contracts import Contract, EventRejected


class CompanyVisited(Contract):
    subject = "collab.in.{agency}.company.visited.v1"

    company_id: str = Field(description="The company.", examples=["th-0105551234567"])


def test_a_contract_is_frozen_and_ignores_fields_it_does_not_know() -> None:
    visit = CompanyVisited.model_validate({"company_id": "th-1", "added_in_a_later_release": True})
    assert visit.company_id == "th-1"
    with pytest.raises(ValidationError):
        visit.company_id = "th-2"  # type: ignore[misc]


def test_a_contract_knows_its_type_and_subjects() -> None:
    assert CompanyVisited.ce_type() == "collab.company.visited.v1"
    assert CompanyVisited.route.address("jp-mie") == "collab.in.jp-mie.company.visited.v1"
    assert EventRejected.ce_type() == "collab.out.rejected.v1"


def test_every_field_must_be_described_with_an_example() -> None:
    with pytest.raises(TypeError, match="every field needs a description and an example: company_id"):

        class Undocumented(Contract):
            subject = "collab.in.{agency}.company.undocumented.v1"

            company_id: str = Field(description="no example")


def test_a_subject_outside_the_scheme_is_refused_at_definition() -> None:
    with pytest.raises(ValueError, match="fits none of the subject shapes"):

        class Misplaced(Contract):
            subject = "kakehashi.company.misplaced.v1"
