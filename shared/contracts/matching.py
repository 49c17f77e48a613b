"""What the matching service publishes: proposals with their reasons, and each match's outcome."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.contracts.agency.company import Contact, Partnership
from shared.contracts.base import Contract, Part
from shared.contracts.common import CompanyId, LanguageCode, LocalizedText

_SIAM = {
    "en": "Siam Coastal Foods Co., Ltd.",
    "th": "บริษัท สยามโคสตัลฟู้ดส์ จำกัด",
    "ja": "サイアム・コースタル・フーズ株式会社",
}
_MIE = {
    "en": "Mie Refrigeration Machinery Co., Ltd.",
    "th": "บริษัท มิเอะ รีฟริเจอเรชัน แมชชีนเนอรี",
    "ja": "三重冷凍機械株式会社",
}

ReasonCode = Literal[
    "offer_meets_request",
    "shared_sector",
    "shared_field",
    "partnership_fit",
    "shared_language",
    "interpreter_needed",
    "certification_held",
    "verified_capability",
]


class Reason(Part):
    """Why two companies should meet, as a code with parameters, so each reader gets it in their language.

    `offer_meets_request` with `offered_by="b"` and tags `["cold chain"]` reads: B offers cold chain,
    which A asked for.
    """

    code: ReasonCode = Field(description="What kind of reason.", examples=["offer_meets_request"])
    offered_by: Literal["a", "b"] | None = Field(
        default=None,
        description="For offer/request and capability reasons: the side that offers or holds it.",
        examples=["b"],
    )
    tags: tuple[str, ...] = Field(default=(), description="Matched keywords.", examples=[["cold chain"]])
    sectors: tuple[str, ...] = Field(default=(), description="Matched ISIC Rev.4 classes.", examples=[["1020"]])
    fields: tuple[str, ...] = Field(
        default=(), description="Shared fields of cooperation (taxonomy ids).", examples=[["food_innovation"]]
    )
    partnerships: tuple[Partnership, ...] = Field(
        default=(), description="Partnership types that fit.", examples=[["supplier"]]
    )
    languages: tuple[LanguageCode, ...] = Field(default=(), description="Shared languages.", examples=[["en"]])
    certifications: tuple[str, ...] = Field(
        default=(), description="Certifications asked for and held.", examples=[["HACCP"]]
    )
    skills: tuple[str, ...] = Field(
        default=(), description="Verified skills (taxonomy ids) from training.", examples=[["food_safety_haccp"]]
    )
    weight: float = Field(description="This reason's share of the score.", examples=[0.35], ge=0)


class MatchParty(Part):
    """One side of a match, without personal data."""

    company_id: CompanyId = Field(description="The company.", examples=["th-0105551234567"])
    agency: str = Field(description="The agency that registered it.", examples=["th-dip"])
    country: Literal["TH", "JP"] = Field(description="Its country.", examples=["TH"])
    region: str = Field(description="Its province or municipality, normalised.", examples=["Chon Buri"])
    name: LocalizedText = Field(
        description="Its public name.",
        examples=[
            {
                "en": "Siam Coastal Foods Co., Ltd.",
                "th": "บริษัท สยามโคสตัลฟู้ดส์ จำกัด",
                "ja": "サイアム・コースタル・フーズ株式会社",
            }
        ],
    )


class MatchProposed(Contract):
    """Two companies should meet, and why; sent to both, without contact details."""

    subject = "collab.matching.match.proposed.v1"

    match_id: str = Field(
        description="Derived from the pair: the same two companies, the same id.", examples=["m-5f2c0e1a9b7d4c3e"]
    )
    a: MatchParty = Field(
        description="The side whose profile triggered the proposal.",
        examples=[
            {
                "company_id": "th-0105551234567",
                "agency": "th-dip",
                "country": "TH",
                "region": "Chon Buri",
                "name": _SIAM,
            }
        ],
    )
    b: MatchParty = Field(
        description="The other side.",
        examples=[
            {
                "company_id": "jp-1190001012345",
                "agency": "jp-mie",
                "country": "JP",
                "region": "Yokkaichi",
                "name": _MIE,
            }
        ],
    )
    score: float = Field(description="How well they fit, 0 to 1.", examples=[0.82], ge=0, le=1)
    reasons: tuple[Reason, ...] = Field(
        description="Why, strongest first.",
        examples=[[{"code": "offer_meets_request", "offered_by": "b", "tags": ["cold chain"], "weight": 0.4}]],
    )
    interpreter_needed: bool = Field(description="The two share no working language.", examples=[False])
    proposed_at: AwareDatetime = Field(description="When it was proposed.", examples=["2026-11-26T03:15:00Z"])
    expires_at: AwareDatetime = Field(
        description="Unless both accept by then, the match expires.", examples=["2026-12-10T03:15:00Z"]
    )


class ConfirmedParty(Part):
    """One side of a confirmed match, with its contact if it consented to share it."""

    company_id: CompanyId = Field(description="The company.", examples=["th-0105551234567"])
    agency: str = Field(description="The agency that registered it.", examples=["th-dip"])
    name: LocalizedText = Field(
        description="Its public name.",
        examples=[
            {
                "en": "Siam Coastal Foods Co., Ltd.",
                "th": "บริษัท สยามโคสตัลฟู้ดส์ จำกัด",
                "ja": "サイアム・コースタル・フーズ株式会社",
            }
        ],
    )
    contact: Contact | None = Field(
        description="Who to contact; null when the company did not consent to share it.",
        examples=[{"name": "Somchai P.", "email": "somchai@example.co.th", "preferred_language": "th"}],
    )


class MatchConfirmed(Contract):
    """Both sides accepted: the introduction, with contacts where both consented."""

    subject = "collab.matching.match.confirmed.v1"

    match_id: str = Field(description="The match.", examples=["m-5f2c0e1a9b7d4c3e"])
    a: ConfirmedParty = Field(
        description="One side.",
        examples=[
            {
                "company_id": "th-0105551234567",
                "agency": "th-dip",
                "name": _SIAM,
                "contact": None,
            }
        ],
    )
    b: ConfirmedParty = Field(
        description="The other side.",
        examples=[{"company_id": "jp-1190001012345", "agency": "jp-mie", "name": _MIE, "contact": None}],
    )
    confirmed_at: AwareDatetime = Field(
        description="When the second acceptance arrived.", examples=["2026-11-28T01:00:00Z"]
    )


class MatchDeclined(Contract):
    """One side declined; the match is closed."""

    subject = "collab.matching.match.declined.v1"

    match_id: str = Field(description="The match.", examples=["m-5f2c0e1a9b7d4c3e"])
    company_ids: tuple[CompanyId, CompanyId] = Field(
        description="Both sides.", examples=[["th-0105551234567", "jp-1190001012345"]]
    )
    declined_by: CompanyId = Field(description="The side that declined.", examples=["jp-1190001012345"])
    declined_at: AwareDatetime = Field(description="When.", examples=["2026-11-28T01:00:00Z"])


class MatchExpired(Contract):
    """Not both sides answered in time; the match is closed."""

    subject = "collab.matching.match.expired.v1"

    match_id: str = Field(description="The match.", examples=["m-5f2c0e1a9b7d4c3e"])
    company_ids: tuple[CompanyId, CompanyId] = Field(
        description="Both sides.", examples=[["th-0105551234567", "jp-1190001012345"]]
    )
    expired_at: AwareDatetime = Field(description="When.", examples=["2026-12-10T03:15:00Z"])


class MatchWithdrawn(Contract):
    """A side left the programme (or stopped consenting); its open matches are withdrawn."""

    subject = "collab.matching.match.withdrawn.v1"

    match_id: str = Field(description="The match.", examples=["m-5f2c0e1a9b7d4c3e"])
    company_ids: tuple[CompanyId, CompanyId] = Field(
        description="Both sides.", examples=[["th-0105551234567", "jp-1190001012345"]]
    )
    withdrawn_by: CompanyId = Field(description="The side that left.", examples=["th-0105551234567"])
    withdrawn_at: AwareDatetime = Field(description="When.", examples=["2026-11-29T08:00:00Z"])
