"""Realistic, seeded synthetic company profiles of Thai and Mie SMEs, for tests, benchmarks and the demo.

    from shared.synthetic import profiles, agency_of
    for profile in profiles(1000, seed=7):
        publish(profile, agency=agency_of(profile))

The same `(index, seed)` always gives the same profile, whatever `count` is, so `profiles(10, s)` is
the start of `profiles(1000, s)`. Companies are drawn from value chains (`catalogue.ROLES`) whose
Thai and Mie sides complement each other; names come in th/ja/en, regions in the spellings people
use (`Chonburi`, `ชลบุรี`, `四日市市`, `Yokkaichi-shi`), industry codes as ISIC, TSIC 2009 or `jsic:`
JSIC Rev.14 codes, and consent is sometimes withheld, as it would be.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterator, Sequence
from typing import Literal

from shared.contracts.agency.company import Consent, Contact, Listing, ProfileSubmitted
from shared.contracts.common import LocalizedText
from shared.reference import industries, regions
from shared.synthetic.catalogue import ROLES, ListingTemplate, Role

Country = Literal["TH", "JP"]

AGENCIES: dict[str, str] = {"TH": "th-dip", "JP": "jp-mie"}
"""The agency that registers a company of each country: Thailand's DIP and Mie Prefecture."""

__all__ = ["AGENCIES", "agency_of", "profile", "profiles"]

_TH_PREFIXES = (
    ("Siam", "สยาม"), ("Thai", "ไทย"), ("Chao Phraya", "เจ้าพระยา"), ("Eastern", "อีสเทิร์น"), ("Golden", "โกลเด้น"),
    ("Lanna", "ล้านนา"), ("Andaman", "อันดามัน"), ("Rattana", "รัตนะ"), ("Srisuk", "ศรีสุข"), ("Charoen", "เจริญ"),
    ("Kasem", "เกษม"), ("Pattana", "พัฒนา"), ("Mekong", "แม่โขง"), ("Royal", "รอยัล"), ("Prime", "ไพรม์"),
    ("Asia", "เอเชีย"), ("Sahakarn", "สหการ"), ("Wattana", "วัฒนา"), ("Boonrod", "บุญรอด"), ("Coastal", "โคสตัล"),
    ("Isan", "อีสาน"), ("Chaiyo", "ไชโย"), ("Rungroj", "รุ่งโรจน์"), ("Thanakorn", "ธนากร"), ("Sombat", "สมบัติ"),
)  # fmt: skip
_JP_PREFIXES = (
    ("Ise", "伊勢"), ("Suzuka", "鈴鹿"), ("Yokkaichi", "四日市"), ("Kuwana", "桑名"), ("Tsu", "津"),
    ("Matsusaka", "松阪"), ("Toba", "鳥羽"), ("Shima", "志摩"), ("Kumano", "熊野"), ("Iga", "伊賀"), ("Mie", "三重"),
    ("Tokai", "東海"), ("Chubu", "中部"), ("Nanki", "南紀"), ("Isewan", "伊勢湾"), ("Okada", "岡田"),
    ("Hayashi", "林"), ("Mori", "森"), ("Ito", "伊藤"), ("Kato", "加藤"), ("Mizuno", "水野"), ("Kondo", "近藤"),
    ("Nakamura", "中村"), ("Yamamoto", "山本"), ("Asahi", "朝日"),
)  # fmt: skip
_TH_PEOPLE = (
    "Somchai", "Somsak", "Suda", "Nattaya", "Kittisak", "Pornthip", "Wichai", "Anong", "Thanawat", "Siriporn",
    "Chaiwat", "Kanokwan", "Prasert", "Ratchanee", "Surachai", "Jintana", "Apinya", "Narong", "Wanida", "Pichit",
)  # fmt: skip
_JP_PEOPLE = (
    (("Hiroshi", "宏"), ("Sato", "佐藤")), (("Yuki", "由紀"), ("Suzuki", "鈴木")),
    (("Takeshi", "武"), ("Ito", "伊藤")), (("Akiko", "明子"), ("Kato", "加藤")),
    (("Kenji", "健二"), ("Tanaka", "田中")), (("Naoko", "直子"), ("Mizuno", "水野")),
    (("Daisuke", "大輔"), ("Hayashi", "林")), (("Emi", "恵美"), ("Mori", "森")),
    (("Satoshi", "聡"), ("Okada", "岡田")), (("Mika", "美香"), ("Yamamoto", "山本")),
    (("Ryo", "亮"), ("Nakamura", "中村")), (("Kaori", "香織"), ("Kondo", "近藤")),
)  # fmt: skip
_TH_SPELLINGS = {
    "Chon Buri": ("Chonburi",),
    "Phra Nakhon Si Ayutthaya": ("Ayutthaya",),
    "Nakhon Ratchasima": ("Korat",),
    "Samut Prakan": ("Samutprakan",),
    "Prachin Buri": ("Prachinburi",),
    "Suphan Buri": ("Suphanburi",),
}
_TH_AREA_CODES = ("2", "38", "74", "53", "43")
_TSIC_SHARE = 0.4
_JSIC_SHARE = 0.35
_NOISE = 0.12


def agency_of(profile: ProfileSubmitted) -> str:
    """The agency that would publish this profile (`th-dip` or `jp-mie`)."""
    return AGENCIES[profile.country]


def profiles(count: int, seed: int = 0, *, start: int = 0, thai_share: float = 0.5) -> Iterator[ProfileSubmitted]:
    """`count` profiles, numbered from `start`, the same ones for the same seed."""
    for index in range(start, start + count):
        yield profile(index, seed, thai_share=thai_share)


def profile(index: int, seed: int = 0, *, thai_share: float = 0.5, country: Country | None = None) -> ProfileSubmitted:
    """The `index`-th profile of `seed`; `country` forces the side of the border."""
    rng = random.Random(f"kakehashi-synthetic:{seed}:{index}")
    side: Country = country or ("TH" if rng.random() < thai_share else "JP")
    role = _pick_role(rng, side)
    if side == "TH":
        company_id = f"th-0105{seed % 97:02d}{index:07d}"
        prefix_en, prefix_local = rng.choice(_TH_PREFIXES)
        name = LocalizedText(en=f"{prefix_en} {role.word[0]} Co., Ltd.", th=f"บริษัท {prefix_local}{role.word[1]} จำกัด")
        description = LocalizedText(en=role.description[0], th=role.description[1])
    else:
        company_id = "jp-" + _corporate_number(f"{seed % 97:02d}{index:010d}")
        prefix_en, prefix_local = rng.choice(_JP_PREFIXES)
        english_word = _JP_ENGLISH.get(role.word[0], role.word[0])
        japanese = (
            f"{prefix_local}{role.word[1]}株式会社" if rng.random() < 0.6 else f"株式会社{prefix_local}{role.word[1]}"
        )
        name = LocalizedText(en=f"{prefix_en} {english_word} Co., Ltd.", ja=japanese)
        description = LocalizedText(en=role.description[0], ja=role.description[1])
    slug = re.sub(r"[^a-z0-9]+", "", f"{prefix_en}{role.word[0]}".lower())[:24] + f"{index % 1000:03d}"
    offers = _listings(rng, role.offers, side, requests=False)
    requests = _listings(rng, role.requests, side, requests=True)
    if rng.random() < _NOISE and offers:
        stray = rng.choice(_offered_tags())
        first = offers[0]
        offers = (first.model_copy(update={"tags": (*first.tags, stray)}), *offers[1:])
    return ProfileSubmitted(
        company_id=company_id,
        profile_version=1,
        country=side,
        region=_region_spelling(rng, side, rng.choice(role.regions)),
        name=name,
        description=description,
        sectors=tuple(_sector_code(rng, side, code) for code in _some(rng, role.sectors, 1, 2)),
        fields=_some(rng, role.fields, 1, len(role.fields)),
        employees=max(3, int(rng.lognormvariate(3.8 if side == "TH" else 3.5, 1.0))),
        certifications=tuple(cert for cert, chance in role.certifications if rng.random() < chance),
        languages=_languages(rng, side),
        offers=offers,
        requests=requests,
        contact=_contact(rng, side, slug),
        consent=Consent(matching=rng.random() < 0.96, share_contact_on_mutual_accept=rng.random() < 0.92),
        website=f"https://www.{slug}.example.{'co.th' if side == 'TH' else 'jp'}",
    )


_JP_ENGLISH = {
    "Suisan": "Seafood",
    "Reito Kikai": "Refrigeration",
    "Kogyo": "Industries",
    "Seiki": "Precision",
    "Denki": "Electric",
    "Kankyo Engineering": "Environmental Engineering",
    "Shokuhin": "Foods",
    "Shokuhin Kikai": "Food Machinery",
    "Iryo Kiki": "Medical",
    "Kesho-hin": "Cosmetics",
    "Kasei": "Chemical",
    "Kanko": "Tourism",
    "Butsuryu": "Logistics",
}


@functools.cache
def _offered_tags() -> tuple[str, ...]:
    return tuple(sorted({tag for role in ROLES for template in role.offers for tag in template.tags}))


@functools.cache
def _roles(country: str) -> tuple[tuple[Role, ...], tuple[float, ...]]:
    chosen = tuple(role for role in ROLES if role.country == country)
    return chosen, tuple(role.weight for role in chosen)


def _pick_role(rng: random.Random, country: Country) -> Role:
    roles, weights = _roles(country)
    return rng.choices(roles, weights)[0]


def _some(rng: random.Random, items: Sequence[str], low: int, high: int) -> tuple[str, ...]:
    return tuple(rng.sample(list(items), min(len(items), rng.randint(low, high))))


def _listings(
    rng: random.Random, templates: tuple[ListingTemplate, ...], country: Country, *, requests: bool
) -> tuple[Listing, ...]:
    chosen = rng.sample(list(templates), rng.randint(1, len(templates)))
    listings = []
    for template in chosen:
        certifications: tuple[str, ...] = ()
        if requests and template.certifications and rng.random() < 0.35:
            certifications = (rng.choice(template.certifications),)
        listings.append(
            Listing(
                kind=template.kind,
                tags=_some(rng, template.tags, 2, 3 if requests else 4),
                sectors=tuple(_sector_code(rng, country, code) for code in template.sectors if rng.random() < 0.5),
                partnership=tuple(rng.sample(template.partnership, min(len(template.partnership), rng.randint(1, 2)))),
                certifications=certifications,
            )
        )
    return tuple(listings)


def _languages(rng: random.Random, country: Country) -> tuple[str, ...]:
    if country == "TH":
        extra = [code for code, chance in (("en", 0.6), ("ja", 0.08), ("zh", 0.05)) if rng.random() < chance]
        return ("th", *extra)
    extra = [code for code, chance in (("en", 0.4), ("th", 0.03), ("zh", 0.05)) if rng.random() < chance]
    return ("ja", *extra)


def _region_spelling(rng: random.Random, country: Country, official: str) -> str:
    found = {region.name: region for region in regions().all(country)}[official]
    roll = rng.random()
    if country == "TH":
        if roll < 0.2:
            return found.local_name
        if roll < 0.4 and official in _TH_SPELLINGS:
            return rng.choice(_TH_SPELLINGS[official])
        return official
    if roll < 0.3:
        return found.local_name
    if roll < 0.4:
        return f"{official}-{'shi' if found.local_name.endswith('市') else 'cho'}"
    return official


@functools.cache
def _alternative_codes() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """TSIC activities and JSIC details that each map to exactly one ISIC class, by that class."""
    tsic: dict[str, list[str]] = {}
    jsic: dict[str, list[str]] = {}
    codes = industries()
    for code, classes in codes.tsic_activities().items():
        if len(classes) == 1:
            tsic.setdefault(classes[0], []).append(code)
    for code, classes in codes.jsic_details().items():
        if len(classes) == 1:
            jsic.setdefault(classes[0], []).append(f"jsic:{code}")
    return (
        {isic: tuple(sorted(found)) for isic, found in tsic.items()},
        {isic: tuple(sorted(found)) for isic, found in jsic.items()},
    )


def _sector_code(rng: random.Random, country: Country, isic: str) -> str:
    tsic, jsic = _alternative_codes()
    if country == "TH" and isic in tsic and rng.random() < _TSIC_SHARE:
        return rng.choice(tsic[isic])
    if country == "JP" and isic in jsic and rng.random() < _JSIC_SHARE:
        return rng.choice(jsic[isic])
    return isic


def _contact(rng: random.Random, country: Country, slug: str) -> Contact:
    if country == "TH":
        first = rng.choice(_TH_PEOPLE)
        initial = chr(ord("A") + rng.randrange(26))
        return Contact(
            name=f"{first} {initial}.",
            email=f"{first.lower()}.{initial.lower()}@{slug}.example.co.th",
            phone=f"+66 {rng.choice(_TH_AREA_CODES)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
            line_id=f"{first.lower()}.{slug[:6]}" if rng.random() < 0.7 else None,
            preferred_language="th" if rng.random() < 0.85 else "en",
        )
    (given, given_ja), (family, family_ja) = rng.choice(_JP_PEOPLE)
    return Contact(
        name=f"{family_ja} {given_ja}" if rng.random() < 0.5 else f"{given} {family}",
        email=f"{given[0].lower()}.{family.lower()}@{slug}.example.jp",
        phone=f"+81 59 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
        line_id=f"{family.lower()}{rng.randrange(10, 99)}" if rng.random() < 0.3 else None,
        preferred_language="ja" if rng.random() < 0.9 else "en",
    )


def _corporate_number(base: str) -> str:
    """A Japanese corporate number: a check digit, then the twelve digits of `base`."""
    digits = [int(char) for char in reversed(base)]
    total = sum(digit * (1 if position % 2 else 2) for position, digit in enumerate(digits, start=1))
    return f"{9 - total % 9}{base}"
