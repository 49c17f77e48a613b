"""Small builders of realistic profiles for the matching tests: a Thai seafood processor, Mie firms that fit it, …"""

from __future__ import annotations

from typing import Any

from shared.contracts.agency.company import Consent, Contact, Listing, ProfileSubmitted
from shared.contracts.common import LocalizedText


def siam_coastal_foods(**changes: Any) -> ProfileSubmitted:
    """The issue's example: a Chonburi shrimp and squid processor looking for quick-freezing equipment."""
    return _with(
        ProfileSubmitted(
            company_id="th-0105551234567",
            profile_version=3,
            country="TH",
            region="Chonburi",
            name=LocalizedText(en="Siam Coastal Foods Co., Ltd.", th="บริษัท สยามโคสตัลฟู้ดส์ จำกัด"),
            description=LocalizedText(en="Frozen seafood processor exporting shrimp and squid to Japan"),
            sectors=("1020",),
            fields=("food_innovation",),
            employees=180,
            certifications=("HACCP", "GMP"),
            languages=("th", "en"),
            offers=(
                Listing(
                    kind="business_offer",
                    tags=("frozen seafood", "shrimp processing", "frozen squid"),
                    sectors=("1020",),
                    partnership=("distributor", "buyer"),
                ),
            ),
            requests=(
                Listing(
                    kind="technology_request",
                    tags=("cold chain", "quick freezing equipment"),
                    partnership=("supplier", "technology_licensing"),
                ),
            ),
            contact=Contact(
                name="Somchai P.",
                email="somchai@example.co.th",
                line_id="somchai.p",
                preferred_language="th",
            ),
            consent=Consent(matching=True, share_contact_on_mutual_accept=True),
        ),
        changes,
    )


def mie_freezing_machinery(**changes: Any) -> ProfileSubmitted:
    """A Yokkaichi maker of quick-freezing lines, looking for Thai buyers and a distributor."""
    return _with(
        ProfileSubmitted(
            company_id="jp-1190001012345",
            profile_version=1,
            country="JP",
            region="四日市市",
            name=LocalizedText(en="Mie Freezing Machinery Co., Ltd.", ja="三重冷凍機械株式会社"),
            sectors=("jsic:2535",),
            fields=("food_innovation", "logistics_cold_chain"),
            employees=95,
            certifications=("ISO 9001",),
            languages=("ja", "en"),
            offers=(
                Listing(
                    kind="technology_offer",
                    tags=("quick freezing equipment", "cold chain", "iqf freezer"),
                    partnership=("buyer", "distributor", "technology_licensing"),
                ),
            ),
            requests=(
                Listing(
                    kind="business_request",
                    tags=("frozen seafood", "thai market access"),
                    partnership=("distributor",),
                ),
            ),
            contact=Contact(name="佐藤 宏", email="h.sato@mie-reito.example.jp", preferred_language="ja"),
            consent=Consent(matching=True, share_contact_on_mutual_accept=True),
        ),
        changes,
    )


def ise_seafood_importer(**changes: Any) -> ProfileSubmitted:
    """An Ise importer buying frozen shrimp and squid, only from HACCP-certified suppliers."""
    return _with(
        ProfileSubmitted(
            company_id="jp-5190001099999",
            profile_version=1,
            country="JP",
            region="Ise",
            name=LocalizedText(en="Ise Bay Seafood Co., Ltd.", ja="伊勢湾水産株式会社"),
            sectors=("4630",),
            fields=("food_innovation",),
            languages=("ja",),
            offers=(Listing(kind="business_offer", tags=("japanese market access",), partnership=("supplier",)),),
            requests=(
                Listing(
                    kind="business_request",
                    tags=("frozen shrimp", "frozen squid", "haccp"),
                    partnership=("supplier",),
                    certifications=("HACCP",),
                ),
            ),
            contact=Contact(name="Yuki Suzuki", email="y.suzuki@isebay.example.jp", preferred_language="ja"),
            consent=Consent(matching=True, share_contact_on_mutual_accept=True),
        ),
        changes,
    )


def chanthaburi_shrimp_farm(**changes: Any) -> ProfileSubmitted:
    """A Thai shrimp and squid packer without HACCP yet: it cannot meet the Ise importer's request until trained,
    and nothing else ties the two (it looks for packaging machinery, which Ise Bay does not offer)."""
    return _with(
        ProfileSubmitted(
            company_id="th-0225559876543",
            profile_version=1,
            country="TH",
            region="จันทบุรี",
            name=LocalizedText(en="Chanthaburi Shrimp Co., Ltd.", th="บริษัท จันทบุรีชริมป์ จำกัด"),
            sectors=("10211",),
            fields=("food_innovation",),
            languages=("th",),
            offers=(
                Listing(
                    kind="business_offer",
                    tags=("frozen shrimp", "frozen squid"),
                    partnership=("buyer", "distributor"),
                ),
            ),
            requests=(Listing(kind="technology_request", tags=("packaging machinery",), partnership=("supplier",)),),
            contact=Contact(name="Nattaya K.", email="nattaya@ctbshrimp.example.co.th", preferred_language="th"),
            consent=Consent(matching=True, share_contact_on_mutual_accept=True),
        ),
        changes,
    )


def suzuka_auto_parts(**changes: Any) -> ProfileSubmitted:
    """A Suzuka tier-1 looking for Thai machining subcontractors: complements nobody in seafood."""
    return _with(
        ProfileSubmitted(
            company_id="jp-3190001054321",
            profile_version=1,
            country="JP",
            region="Suzuka",
            name=LocalizedText(en="Suzuka Precision Industries", ja="鈴鹿精密工業株式会社"),
            sectors=("2930",),
            fields=("automotive_parts",),
            languages=("ja", "en"),
            offers=(Listing(kind="technology_offer", tags=("lean", "kaizen"), partnership=("technology_licensing",)),),
            requests=(
                Listing(
                    kind="business_request", tags=("cnc machining", "die casting"), partnership=("subcontracting",)
                ),
            ),
            contact=Contact(name="Kenji Tanaka", email="k.tanaka@suzuka-seimitsu.example.jp", preferred_language="ja"),
            consent=Consent(matching=True, share_contact_on_mutual_accept=True),
        ),
        changes,
    )


def _with(profile: ProfileSubmitted, changes: dict[str, Any]) -> ProfileSubmitted:
    """The profile with some fields changed, validated again (so a builder can make bad input too)."""
    return ProfileSubmitted.model_validate({**profile.model_dump(), **changes}) if changes else profile
