"""Settings of the matching service: the shared `KAKEHASHI_*` ones and its own `KAKEHASHI_MATCHING_*`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PositiveFloat, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

Weight = Annotated[float, Field(ge=0.0, le=1.0)]


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KAKEHASHI_MATCHING_")

    top_k: Annotated[int, Field(ge=1, le=50)] = Field(
        3,
        description="Partners at most proposed to a submitted profile: its best ones, less those proposed before.",
    )
    threshold: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.3, description="Lowest score (0 to 1) that is proposed."
    )
    cross_border_only: bool = Field(
        True, description="Match Thai companies only with Japanese ones and the other way round."
    )
    expiry_days: PositiveFloat = Field(14.0, description="Days a proposal waits for both answers before it expires.")
    expiry_check_seconds: PositiveFloat = Field(60.0, description="How often open proposals are checked for expiry.")
    need_saturation: Annotated[int, Field(ge=1, le=20)] = Field(
        3,
        description="Requested keywords a partner must meet for a company's needs to count as fully met "
        "(fewer when the company asked for fewer).",
    )
    min_skill_holders: Annotated[int, Field(ge=1)] = Field(
        1, description="Staff who must hold a skill before it counts as the company's verified capability."
    )
    weight_field: Weight = Field(0.15, description="Share of the score for a shared field of cooperation.")
    weight_partnership: Weight = Field(0.15, description="Share of the score for partnership types that fit.")
    weight_language: Weight = Field(0.10, description="Share of the score for a shared working language.")
    weight_sector: Weight = Field(0.05, description="Share of the score for a shared ISIC sector.")
    weight_certification: Weight = Field(
        0.05, description="Share of the score for certifications a request names and the partner holds."
    )
    weight_capability: Weight = Field(
        0.05, description="Share of the score for a need met through a capability verified by training."
    )

    @model_validator(mode="after")
    def _weights_leave_room_for_complementarity(self) -> MatchingSettings:
        context = (
            self.weight_field
            + self.weight_partnership
            + self.weight_language
            + self.weight_sector
            + self.weight_certification
            + self.weight_capability
        )
        if context > 0.9:
            raise ValueError(
                f"KAKEHASHI_MATCHING_WEIGHT_FIELD, _PARTNERSHIP, _LANGUAGE, _SECTOR, _CERTIFICATION and "
                f"_CAPABILITY add up to {context:.2f}; keep them at most 0.9 so that complementarity "
                "(offers meeting requests) keeps at least a tenth of the score"
            )
        return self
