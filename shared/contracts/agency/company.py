"""Company profiles an agency registers for matching, and their withdrawal."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.contracts.base import Contract, Part
from shared.contracts.common import (
    EMAIL,
    TAXONOMY_ID,
    CompanyId,
    Language,
    LanguageCode,
    LocalizedText,
    Tag,
    Text,
)

ListingKind = Literal["business_offer", "business_request", "technology_offer", "technology_request", "rd_request"]
Partnership = Literal[
    "supplier", "buyer", "distributor", "joint_venture", "technology_licensing", "subcontracting", "rd_partner"
]
IndustryCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
"""An ISIC Rev.4 class (`1020`), a TSIC 2009 five-digit code (`10201`) or a JSIC Rev.14 code (`jsic:0921`)."""
Email = Annotated[str, StringConstraints(pattern=EMAIL, max_length=254)]


class Listing(Part):
    """One thing a company offers or looks for, in the Enterprise Europe Network's terms."""

    kind: ListingKind = Field(description="Offer or request, business or technology.", examples=["business_offer"])
    tags: tuple[Tag, ...] = Field(
        default=(), description="Keywords, lower-cased.", examples=[["frozen seafood", "shrimp processing"]]
    )
    sectors: tuple[IndustryCode, ...] = Field(
        default=(), description="Industry codes this listing is about.", examples=[["1020"]]
    )
    partnership: tuple[Partnership, ...] = Field(
        default=(), description="The kinds of partnership wanted.", examples=[["supplier", "technology_licensing"]]
    )
    certifications: tuple[Annotated[str, StringConstraints(max_length=40)], ...] = Field(
        default=(), description="Certifications a partner must hold (on a request).", examples=[["HACCP"]]
    )
    description: LocalizedText | None = Field(
        default=None,
        description="Free text.",
        examples=[
            {"en": "Quick-freezing line for shrimp", "th": "สายการผลิตแช่แข็งเร็วสำหรับกุ้ง", "ja": "エビ用急速冷凍ライン"}
        ],
    )


class Contact(Part):
    """The person to introduce: personal data, shown to the other side only after both accepted."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Full name.", examples=["Somchai P."]
    )
    email: Email = Field(description="E-mail address.", examples=["somchai@example.co.th"])
    phone: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        default=None, description="Telephone, international format.", examples=["+66 38 123 456"]
    )
    line_id: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="LINE user id, for LINE notifications.", examples=["somchai.p"]
    )
    preferred_language: Language = Field(description="Language to write to them in.", examples=["th"])


class Consent(Part):
    """What the company agreed to (Thailand's PDPA, Japan's APPI)."""

    matching: bool = Field(description="May be proposed to other companies.", examples=[True])
    share_contact_on_mutual_accept: bool = Field(
        description="May have its contact shared once both sides accept a match.", examples=[True]
    )


class ProfileSubmitted(Contract):
    """A company's full profile, created or updated: a snapshot, newest `profile_version` wins."""

    subject = "collab.in.{agency}.company.profile_submitted.v1"

    company_id: CompanyId = Field(description="The company, stable across versions.", examples=["th-0105551234567"])
    profile_version: int = Field(description="Increases with every change; older ones are ignored.", examples=[3], ge=1)
    country: Literal["TH", "JP"] = Field(description="Where the company is.", examples=["TH"])
    region: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="Thai province or Mie municipality, as people write it (Chonburi, 四日市市, Yokkaichi).",
        examples=["Chonburi"],
    )
    name: LocalizedText = Field(
        description="The company's name.",
        examples=[
            {
                "en": "Siam Coastal Foods Co., Ltd.",
                "th": "บริษัท สยามโคสตัลฟู้ดส์ จำกัด",
                "ja": "サイアム・コースタル・フーズ株式会社",
            }
        ],
    )
    description: LocalizedText | None = Field(
        default=None,
        description="What the company does.",
        examples=[
            {
                "en": "Frozen seafood processor exporting shrimp and squid to Japan",
                "th": "ผู้ผลิตอาหารทะเลแช่แข็ง ส่งออกกุ้งและปลาหมึกไปญี่ปุ่น",
                "ja": "エビ・イカを日本へ輸出する冷凍水産加工会社",
            }
        ],
    )
    sectors: tuple[IndustryCode, ...] = Field(
        default=(), description="ISIC Rev.4, TSIC 2009 or `jsic:` JSIC Rev.14 codes.", examples=[["1020"]]
    )
    fields: tuple[Annotated[str, StringConstraints(pattern=TAXONOMY_ID)], ...] = Field(
        default=(), description="Fields of cooperation (ids of the taxonomy).", examples=[["food_innovation"]]
    )
    employees: int | None = Field(default=None, description="Staff count.", examples=[180], ge=0, le=10_000_000)
    certifications: tuple[Annotated[str, StringConstraints(max_length=40)], ...] = Field(
        default=(), description="Certifications held.", examples=[["HACCP", "GMP"]]
    )
    languages: tuple[LanguageCode, ...] = Field(
        default=(), description="Working languages (ISO 639-1).", examples=[["th", "en"]]
    )
    offers: tuple[Listing, ...] = Field(
        default=(),
        description="What the company offers.",
        examples=[[{"kind": "business_offer", "tags": ["frozen seafood"], "sectors": ["1020"]}]],
    )
    requests: tuple[Listing, ...] = Field(
        default=(),
        description="What the company looks for.",
        examples=[[{"kind": "technology_request", "tags": ["cold chain"], "partnership": ["supplier"]}]],
    )
    contact: Contact = Field(
        description="Who to introduce (personal data).",
        examples=[{"name": "Somchai P.", "email": "somchai@example.co.th", "preferred_language": "th"}],
    )
    consent: Consent = Field(
        description="What the company agreed to.",
        examples=[{"matching": True, "share_contact_on_mutual_accept": True}],
    )
    website: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None, description="Public web site.", examples=["https://siamcoastal.example.co.th"]
    )


class ProfileWithdrawn(Contract):
    """The company leaves the programme: every service erases its personal data."""

    subject = "collab.in.{agency}.company.profile_withdrawn.v1"

    company_id: CompanyId = Field(description="The company.", examples=["th-0105551234567"])
    reason: Text = Field(description="Why, for the record.", examples=["Company request under PDPA section 33"])
