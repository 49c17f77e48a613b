"""A company's answer to a proposed match, relayed by its agency."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.contracts.base import Contract
from shared.contracts.common import CompanyId


class MatchResponseSubmitted(Contract):
    """One side accepts or declines a proposed match; both accepting confirms it."""

    subject = "collab.in.{agency}.match.response_submitted.v1"

    match_id: str = Field(description="The match, from `match.proposed`.", examples=["m-5f2c0e1a9b7d4c3e"])
    company_id: CompanyId = Field(description="The side answering.", examples=["th-0105551234567"])
    response: Literal["accept", "decline"] = Field(description="The answer.", examples=["accept"])
