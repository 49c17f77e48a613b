"""Reference data as package data: industry codes normalised to ISIC Rev.4, Thai provinces and Mie municipalities.

The tables (and their provenance and licences) are in `data/`; see `data/README.md`. Nothing is read
at import: `industries()` and `regions()` load their tables on first use, once per process.
"""

from __future__ import annotations

import csv
import difflib
import functools
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

_DATA = Path(__file__).parent / "data"

Country = Literal["TH", "JP"]


class UnknownCode(ValueError):
    """An industry code that cannot be normalised to ISIC Rev.4; the message says why, in plain words."""


class UnknownRegion(ValueError):
    """A region that is not a Thai province or Mie municipality; the message suggests close spellings."""


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (_DATA / name).open(encoding="utf-8", newline="") as source:
        yield from csv.DictReader(source)


# --- industry codes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IsicEntry:
    code: str
    level: str
    """section, division, group or class."""
    title: str


class IndustryCodes:
    """ISIC Rev.4 classes, and the TSIC 2009 and JSIC Rev.14 codes that map onto them."""

    def __init__(self) -> None:
        self._isic: dict[str, IsicEntry] = {}
        children: defaultdict[str, list[str]] = defaultdict(list)
        for row in _rows("isic_rev4.csv"):
            level = row["level"]
            self._isic[row["code"]] = IsicEntry(row["code"], level, row["title_en"])
            if level == "class":
                for ancestor in (row["section"], row["code"][:2], row["code"][:3]):
                    children[ancestor].append(row["code"])
        self._classes_under = {code: tuple(sorted(found)) for code, found in children.items()}

        tsic: defaultdict[str, set[str]] = defaultdict(set)
        self._tsic_names: dict[str, str] = {}
        for row in _rows("tsic_isic4_crosswalk.csv"):
            code = row["tsic_code"]
            self._tsic_names.setdefault(code, row["tsic_name_th"] or row["tsic_name_en"])
            if len(code) == 5 and row["isic4_code"] in self._isic:
                tsic[code].add(row["isic4_code"])
            elif len(code) == 5:
                tsic.setdefault(code, set())
        self._tsic = {code: tuple(sorted(classes)) for code, classes in tsic.items()}

        self._jsic14: dict[str, tuple[str, str]] = {
            row["code"]: (row["level"], row["name_ja"] or row["name_en"]) for row in _rows("jsic_rev14.csv")
        }
        jsic13: defaultdict[str, set[str]] = defaultdict(set)
        for row in _rows("jsic13_isic4_crosswalk.csv"):
            if row["isic4_code"] in self._isic:
                jsic13[row["jsic13_code"]].add(row["isic4_code"])
        self._jsic13 = {code: tuple(sorted(classes)) for code, classes in jsic13.items()}

    def normalise(self, code: str) -> tuple[str, ...]:
        """The ISIC Rev.4 classes `code` stands for, or `UnknownCode` saying what to send instead.

        Accepted: an ISIC class (`1020`, or `isic:1020`), a TSIC 2009 five-digit activity (`10211`,
        or `tsic:10211`), a JSIC Rev.14 detail code (`jsic:0925`).
        """
        raw = code.strip()
        scheme, separator, value = raw.partition(":")
        if not separator:
            scheme, value = "", raw
        scheme, value = scheme.strip().lower(), value.strip().upper()
        if scheme == "jsic":
            return self._from_jsic(value)
        if scheme == "tsic" or (scheme == "" and len(value) == 5 and value.isdigit()):
            return self._from_tsic(value)
        if scheme in ("", "isic"):
            return self._from_isic(value)
        raise UnknownCode(
            f"{raw!r}: unknown classification {scheme!r}; use an ISIC Rev.4 class, a TSIC 2009 "
            "five-digit code or a jsic: code"
        )

    def title(self, isic_class: str) -> str:
        """The English title of an ISIC Rev.4 code."""
        return self._isic[isic_class].title

    def tsic_activities(self) -> dict[str, tuple[str, ...]]:
        """Every TSIC 2009 five-digit activity with the ISIC classes it maps to (empty when unmapped)."""
        return dict(self._tsic)

    def jsic_details(self) -> dict[str, tuple[str, ...]]:
        """Every JSIC Rev.14 detail code with the ISIC classes it maps to through Rev.13 (empty when unmapped)."""
        return {code: self._jsic13.get(code, ()) for code, (level, _) in self._jsic14.items() if level == "detail"}

    def _from_isic(self, value: str) -> tuple[str, ...]:
        entry = self._isic.get(value)
        if entry is not None and entry.level == "class":
            return (value,)
        if entry is not None:
            classes = self._classes_under.get(value, ())
            return self._refuse(
                f"{value!r} is an ISIC Rev.4 {entry.level} ({entry.title}), not a class; "
                f"give one of its four-digit classes: {_some(classes)}"
            )
        if len(value) == 4 and value.isdigit():
            hint = ""
            if value in self._tsic_names:
                activities = sorted(code for code in self._tsic if code.startswith(value))
                hint = f" (it is a TSIC 2009 class; send one of its five-digit activities such as {_some(activities)})"
            return self._refuse(f"{value!r} is not an ISIC Rev.4 class{hint}")
        return self._refuse(
            f"{value!r} is not an industry code: send an ISIC Rev.4 class (1020), a TSIC 2009 five-digit "
            "code (10211) or a JSIC Rev.14 code prefixed with jsic: (jsic:0925)"
        )

    def _from_tsic(self, value: str) -> tuple[str, ...]:
        if value not in self._tsic:
            return self._refuse(f"{value!r} is not a TSIC 2009 five-digit activity code")
        classes = self._tsic[value]
        if not classes:
            return self._refuse(
                f"TSIC 2009 code {value} ({self._tsic_names.get(value, '')}) has no ISIC Rev.4 class in the "
                "crosswalk; send its ISIC Rev.4 class instead"
            )
        return classes

    def _from_jsic(self, value: str) -> tuple[str, ...]:
        known = self._jsic14.get(value)
        if known is None:
            return self._refuse(f"jsic:{value} is not a JSIC Rev.14 code")
        level, name = known
        if level != "detail":
            return self._refuse(
                f"jsic:{value} is a JSIC Rev.14 {level} category ({name}); give a four-digit detail code"
            )
        classes = self._jsic13.get(value)
        if not classes:
            return self._refuse(
                f"jsic:{value} ({name}) is new in JSIC Rev.14 and has no published ISIC Rev.4 correspondence; "
                "send its ISIC Rev.4 class instead"
            )
        return classes

    @staticmethod
    def _refuse(message: str) -> tuple[str, ...]:
        raise UnknownCode(message)


def _some(codes: tuple[str, ...] | list[str], shown: int = 5) -> str:
    listed = ", ".join(codes[:shown])
    return f"{listed}, …" if len(codes) > shown else listed


@functools.cache
def industries() -> IndustryCodes:
    """The industry classifications, read on first use."""
    return IndustryCodes()


# --- regions -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    """A Thai province or a Mie municipality, under its official name."""

    country: Country
    code: str
    """DOPA province code (TH) or local-government code (JP)."""
    name: str
    """Official English name (TH, `Chon Buri`) or romaji (JP, `Yokkaichi`)."""
    local_name: str
    """Thai (`ชลบุรี`) or Japanese (`四日市市`) name."""


_MACRONS = str.maketrans("āēīōūâêîôûäëïöü", "aeiouaeiouaeiou")
_LATIN_SUFFIXES = ("province", "prefecture", "city", "town", "shi", "cho", "machi")
_THAI_ALIASES = {
    "Bangkok": ("Krung Thep", "Krung Thep Maha Nakhon", "Bangkok Metropolis", "BKK", "กรุงเทพ", "กรุงเทพฯ", "กทม"),
    "Phra Nakhon Si Ayutthaya": ("Ayutthaya", "Ayudhya", "Ayuthaya", "อยุธยา"),
    "Nakhon Ratchasima": ("Korat", "Khorat", "โคราช"),
    "Samut Prakan": ("Samut Prakarn", "Paknam"),
    "Chon Buri": ("Cholburi",),
    "Sa Kaeo": ("Sa Kaew",),
    "Chachoengsao": ("Paet Riu",),
}


def _key(text: str) -> str:
    """What two spellings of one place share: no case, spaces, punctuation or macrons; `sri` read as `si`."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_MACRONS)
    kept = "".join(char for char in folded if unicodedata.category(char)[0] in "LMN")
    return kept.replace("sri", "si")


class Regions:
    """Thai provinces and Mie municipalities, found by the spellings people use."""

    def __init__(self) -> None:
        self._by_key: dict[Country, dict[str, Region]] = {"TH": {}, "JP": {}}
        for row in _rows("thailand_provinces.csv"):
            region = Region("TH", row["province_code"], row["name_en"], row["name_th"])
            thai = (row["name_en"], row["name_th"], f"จังหวัด{row['name_th']}")
            for spelling in (*thai, *_THAI_ALIASES.get(row["name_en"], ())):
                self._by_key["TH"][_key(spelling)] = region
        for row in _rows("mie_municipalities.csv"):
            region = Region("JP", row["lg_code"], row["name_romaji"], row["name_ja"])
            kind = "City" if row["type"] == "city" else "Town"
            spellings = [
                row["name_ja"],
                row["name_ja"][:-1],
                row["name_romaji"],
                row["name_romaji_mic"],
                f"{row['name_romaji']}-{'shi' if row['type'] == 'city' else 'cho'}",
                f"{row['name_romaji']} {kind}",
            ]
            if row["type"] == "town":
                spellings.append(f"{row['name_romaji']}-machi")
            for spelling in spellings:
                self._by_key["JP"].setdefault(_key(spelling), region)

    def resolve(self, country: Country, text: str) -> Region:
        """The region `text` names in `country`, or `UnknownRegion` with the closest spellings."""
        table = self._by_key[country]
        key = _key(text)
        for candidate in self._variants(key, country):
            if candidate in table:
                return table[candidate]
        where = "a Thai province" if country == "TH" else "a municipality of Mie Prefecture"
        close = difflib.get_close_matches(key, table, n=3, cutoff=0.75)
        names = sorted({table[found].name for found in close})
        hint = f"; did you mean {' or '.join(names)}?" if names else ""
        raise UnknownRegion(f"{text!r} is not {where}{hint}")

    def all(self, country: Country) -> tuple[Region, ...]:
        """Every region of `country`, by code."""
        return tuple(
            sorted(
                {region.code: region for region in self._by_key[country].values()}.values(),
                key=lambda region: region.code,
            )
        )

    @staticmethod
    def _variants(key: str, country: Country) -> Iterator[str]:
        yield key
        stripped = key
        for prefix in ("三重県", "mieken", "mieprefecture", "changwat", "จังหวัด", "จ"):
            stripped = stripped.removeprefix(prefix)
        for suffix in ("三重県", "mieken", "mieprefecture", "mie", "japan", "thailand", "ประเทศไทย", "province"):
            stripped = stripped.removesuffix(suffix)
        if stripped != key:
            yield stripped
        if country == "JP":
            for suffix in _LATIN_SUFFIXES:
                if stripped.endswith(suffix) and len(stripped) > len(suffix) + 1:
                    yield stripped.removesuffix(suffix)


@functools.cache
def regions() -> Regions:
    """The provinces and municipalities, read on first use."""
    return Regions()
