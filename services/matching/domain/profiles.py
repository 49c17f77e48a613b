"""A company as matching sees it: its profile checked against the reference data and reduced to comparable terms.

Offers and requests become *terms*: `t:<tag>` for a keyword and `s:<ISIC class>` for a sector, so
that keywords and industry codes are compared the same way. Verified capabilities (skills the
company's staff gained in training) add terms and certifications on the offering side.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.contracts.agency.company import Listing, Partnership, ProfileSubmitted
from shared.contracts.common import LocalizedText
from shared.contracts.rejections import Problem
from shared.reference import Country, IndustryCodes, Regions, UnknownCode, UnknownRegion

TAG = "t:"
SECTOR = "s:"
EMPTY: frozenset[str] = frozenset()

_PLAYS: dict[str, tuple[Partnership, ...]] = {
    # Seeking a supplier makes one a buyer (or a distributor); seeking a buyer or a distributor makes
    # one a supplier; the other partnership types are the same on both sides.
    "supplier": ("buyer", "distributor"),
    "buyer": ("supplier",),
    "distributor": ("supplier",),
}


class ProfileRejected(Exception):
    """The profile cannot be used as sent; `problems` says where and why, field by field."""

    def __init__(self, reason: str, problems: Iterable[Problem]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What a profile is checked against: industry codes, regions and the fields of cooperation."""

    industries: IndustryCodes
    regions: Regions
    fields: frozenset[str]


Name = tuple[str | None, str | None, str | None]
"""A company name in (en, th, ja): a tuple, because a model per company costs memory at scale."""


def name_of(text: LocalizedText) -> Name:
    return (text.en, text.th, text.ja)


def localized(name: Name) -> LocalizedText:
    en, th, ja = name
    return LocalizedText(en=en, th=th, ja=ja)


@dataclass(frozen=True, slots=True)
class Need:
    """One request: the terms it asks for, and the certifications a partner must hold to meet it."""

    terms: frozenset[str]
    certifications: frozenset[str] = EMPTY


@dataclass(frozen=True, slots=True)
class Capability:
    """A skill the company's staff hold, verified by training, and what it evidences."""

    skill_id: str
    terms: frozenset[str]
    certifications: frozenset[str]


@dataclass(frozen=True, slots=True)
class Company:
    """A company's current profile in matching's terms, with its verified capabilities."""

    company_id: str
    agency: str
    version: int
    country: Country
    region: str
    name: Name
    sectors: frozenset[str]
    fields: frozenset[str]
    languages: frozenset[str]
    certifications: frozenset[str]
    """Declared by the company."""
    offer_terms: frozenset[str]
    """Declared: offered keywords, offered sectors and the company's own sectors."""
    needs: tuple[Need, ...]
    seeks: frozenset[str]
    """Partnership types named on its listings: the role it wants a partner in."""
    matchable: bool
    share_contact: bool
    capabilities: tuple[Capability, ...] = ()
    offered: frozenset[str] = field(default=EMPTY, compare=False)
    """Declared offer terms plus capability terms: what it can meet."""
    held: frozenset[str] = field(default=EMPTY, compare=False)
    """Declared plus verified certifications."""
    requested: frozenset[str] = field(default=EMPTY, compare=False)
    plays: frozenset[str] = field(default=EMPTY, compare=False)

    def __post_init__(self) -> None:
        # Derived once, here, because matching reads them millions of times; the same object is
        # reused where nothing is added, which matters with a hundred thousand companies in memory.
        capability_terms = frozenset().union(*(c.terms for c in self.capabilities))
        capability_certs = frozenset().union(*(c.certifications for c in self.capabilities))
        set_ = object.__setattr__
        set_(self, "offered", self.offer_terms | capability_terms if capability_terms else self.offer_terms)
        set_(self, "held", self.certifications | capability_certs if capability_certs else self.certifications)
        requested = self.needs[0].terms if len(self.needs) == 1 else frozenset().union(*(n.terms for n in self.needs))
        set_(self, "requested", requested)
        set_(self, "plays", shared(frozenset(role for sought in self.seeks for role in _PLAYS.get(sought, (sought,)))))

    def with_capabilities(self, capabilities: Iterable[Capability]) -> Company:
        chosen = tuple(sorted(capabilities, key=lambda capability: capability.skill_id))
        if chosen == self.capabilities:
            return self
        return Company(**{name: getattr(self, name) for name in _STORED}, capabilities=chosen)


_SHARED: dict[frozenset[str], frozenset[str]] = {}


def shared(values: frozenset[str]) -> frozenset[str]:
    """One instance per distinct small set (fields, languages, sectors, …): companies repeat them a lot."""
    return _SHARED.setdefault(values, values)


def term(text: str) -> str:
    """A term string, interned: the same tag from a hundred thousand profiles is one string."""
    return sys.intern(text)


_STORED = (
    "company_id", "agency", "version", "country", "region", "name", "sectors", "fields", "languages",
    "certifications", "offer_terms", "needs", "seeks", "matchable", "share_contact",
)  # fmt: skip


def read_profile(data: ProfileSubmitted, *, agency: str, vocabulary: Vocabulary) -> Company:
    """The submitted profile as matching uses it, or `ProfileRejected` listing every problem found."""
    problems: list[Problem] = []
    prefix = data.company_id[:2].upper()
    if prefix != data.country:
        problems.append(
            Problem(
                field="country",
                problem=f"{data.company_id} is a {'Thai' if prefix == 'TH' else 'Japanese'} company id "
                f"({data.company_id[:3]}…), but the country given is {data.country}",
            )
        )
    region = data.region
    try:
        region = vocabulary.regions.resolve(data.country, data.region).name
    except UnknownRegion as error:
        problems.append(Problem(field="region", problem=str(error)))
    sectors = _sectors(data.sectors, "sectors", vocabulary.industries, problems)
    fields = []
    for index, field_id in enumerate(data.fields):
        if field_id in vocabulary.fields:
            fields.append(field_id)
        else:
            known = ", ".join(sorted(vocabulary.fields))
            problems.append(
                Problem(field=f"fields.{index}", problem=f"{field_id!r} is not a field of cooperation; known: {known}")
            )
    offers = [_listing_terms(o, f"offers.{i}", vocabulary.industries, problems) for i, o in enumerate(data.offers)]
    needs = [
        Need(_listing_terms(r, f"requests.{i}", vocabulary.industries, problems), _certifications(r.certifications))
        for i, r in enumerate(data.requests)
    ]
    if problems:
        raise ProfileRejected(
            f"Profile {data.company_id} version {data.profile_version} was not accepted: "
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} to fix.",
            problems,
        )
    own_sectors = shared(frozenset(sectors))
    return Company(
        company_id=data.company_id,
        agency=agency,
        version=data.profile_version,
        country=data.country,
        region=region,
        name=name_of(data.name),
        sectors=own_sectors,
        fields=shared(frozenset(fields)),
        languages=shared(frozenset(data.languages)),
        certifications=_certifications(data.certifications),
        offer_terms=frozenset().union(*offers, {term(SECTOR + code) for code in own_sectors}),
        needs=tuple(need for need in needs if need.terms),
        seeks=shared(frozenset(kind for listing in (*data.offers, *data.requests) for kind in listing.partnership)),
        matchable=data.consent.matching,
        share_contact=data.consent.share_contact_on_mutual_accept,
    )


def _sectors(codes: Iterable[str], at: str, industries: IndustryCodes, problems: list[Problem]) -> list[str]:
    found: list[str] = []
    for index, code in enumerate(codes):
        try:
            found.extend(industries.normalise(code))
        except UnknownCode as error:
            problems.append(Problem(field=f"{at}.{index}", problem=str(error)))
    return found


def _listing_terms(listing: Listing, at: str, industries: IndustryCodes, problems: list[Problem]) -> frozenset[str]:
    sectors = _sectors(listing.sectors, f"{at}.sectors", industries, problems)
    return frozenset(
        [
            *(term(TAG + tag) for tag in (tag_text(raw) for raw in listing.tags) if tag),
            *(term(SECTOR + code) for code in sectors),
        ]
    )


def tag_text(raw: str) -> str:
    """A keyword as compared: lower case, single spaces."""
    return " ".join(raw.lower().split())


_STANDARD = re.compile(r"^(ISO|IATF|FSSC|IEC|OHSAS|JIS)\s*-?\s*(\d[\d.]*)(?::\d{4})?$")


def certification(raw: str) -> str:
    """A certification as compared: `iso9001:2015` and `ISO 9001` are the same."""
    text = " ".join(raw.upper().split())
    standard = _STANDARD.match(text)
    return f"{standard[1]} {standard[2]}" if standard else text


def _certifications(raw: Iterable[str]) -> frozenset[str]:
    return shared(frozenset(certification(text) for text in raw if text.strip()))


# --- storage form ------------------------------------------------------------------------------


def to_record(company: Company) -> dict[str, Any]:
    """The company's matching view as JSON-able data (no contact: that is stored apart, to be erasable)."""
    return {
        "sectors": sorted(company.sectors),
        "fields": sorted(company.fields),
        "languages": sorted(company.languages),
        "certifications": sorted(company.certifications),
        "offer_terms": sorted(company.offer_terms),
        "needs": [{"terms": sorted(n.terms), "certifications": sorted(n.certifications)} for n in company.needs],
        "seeks": sorted(company.seeks),
    }


def from_record(
    record: Mapping[str, Any],
    *,
    company_id: str,
    agency: str,
    version: int,
    country: Country,
    region: str,
    name: Mapping[str, Any],
    matchable: bool,
    share_contact: bool,
    capabilities: Iterable[Capability] = (),
) -> Company:
    return Company(
        company_id=company_id,
        agency=agency,
        version=version,
        country=country,
        region=region,
        name=(name.get("en"), name.get("th"), name.get("ja")),
        sectors=shared(frozenset(record["sectors"])),
        fields=shared(frozenset(record["fields"])),
        languages=shared(frozenset(record["languages"])),
        certifications=shared(frozenset(record["certifications"])),
        offer_terms=frozenset(map(term, record["offer_terms"])),
        needs=tuple(
            Need(frozenset(map(term, n["terms"])), shared(frozenset(n["certifications"]))) for n in record["needs"]
        ),
        seeks=shared(frozenset(record["seeks"])),
        matchable=matchable,
        share_contact=share_contact,
        capabilities=tuple(sorted(capabilities, key=lambda capability: capability.skill_id)),
    )
