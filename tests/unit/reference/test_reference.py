"""The shipped reference data: industry codes normalised to ISIC Rev.4, regions as people write them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.reference import UnknownCode, UnknownRegion, industries, regions


@pytest.mark.parametrize(
    ("code", "classes"),
    [
        ("1020", ("1020",)),  # ISIC class, kept
        ("isic:2819", ("2819",)),
        ("10211", ("1020",)),  # TSIC 2009 activity: frozen shrimp processing
        ("tsic:28191", ("2819",)),
        ("jsic:0925", ("1020",)),  # JSIC Rev.14 frozen seafood through Rev.13
        ("jsic:2535", ("2819",)),  # refrigerating machines
        ("10761", ("1071", "1072", "1073", "1074", "1075", "1079")),  # TSIC group fallback: every candidate
    ],
)
def test_codes_are_normalised_to_isic_classes(code: str, classes: tuple[str, ...]) -> None:
    assert industries().normalise(code) == classes


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("102", "ISIC Rev.4 group"),
        ("C", "give one of its four-digit classes"),
        ("1021", "TSIC 2009 class; send one of its five-digit activities such as 10211"),
        ("96101", "no ISIC Rev.4 class in the crosswalk"),
        ("99999", "not a TSIC 2009 five-digit activity"),
        ("jsic:1025", "new in JSIC Rev.14"),
        ("jsic:09", "middle category"),
        ("jsic:9998", "not a JSIC Rev.14 code"),
        ("nace:10.20", "unknown classification 'nace'"),
        ("shrimp", "not an industry code"),
    ],
)
def test_unknown_or_unmappable_codes_are_refused_saying_what_to_send(code: str, says: str) -> None:
    with pytest.raises(UnknownCode, match=says.replace("(", r"\(")):
        industries().normalise(code)


@pytest.mark.parametrize(
    ("country", "written", "official"),
    [
        ("TH", "Chon Buri", "Chon Buri"),
        ("TH", "Chonburi", "Chon Buri"),
        ("TH", "chon  buri", "Chon Buri"),
        ("TH", "ชลบุรี", "Chon Buri"),
        ("TH", "จังหวัดชลบุรี", "Chon Buri"),
        ("TH", "Ayutthaya", "Phra Nakhon Si Ayutthaya"),
        ("TH", "Korat", "Nakhon Ratchasima"),
        ("TH", "Srisaket", "Si Sa Ket"),
        ("TH", "Bangkok Province", "Bangkok"),
        ("TH", "กรุงเทพฯ", "Bangkok"),
        ("JP", "四日市市", "Yokkaichi"),
        ("JP", "四日市", "Yokkaichi"),
        ("JP", "三重県四日市市", "Yokkaichi"),
        ("JP", "Yokkaichi", "Yokkaichi"),
        ("JP", "Yokkaichishi", "Yokkaichi"),
        ("JP", "yokkaichi-shi", "Yokkaichi"),
        ("JP", "Yokkaichi City", "Yokkaichi"),
        ("JP", "Yokkaichi, Mie", "Yokkaichi"),
        ("JP", "Tōin", "Toin"),
        ("JP", "Komono-cho", "Komono"),
        ("JP", "津", "Tsu"),
    ],
)
def test_regions_are_found_by_the_spellings_people_use(country: str, written: str, official: str) -> None:
    assert regions().resolve(country, written).name == official  # type: ignore[arg-type]


def test_an_unknown_region_is_refused_with_close_spellings() -> None:
    with pytest.raises(UnknownRegion, match="did you mean Yokkaichi"):
        regions().resolve("JP", "Yokkachi")
    with pytest.raises(UnknownRegion, match="not a municipality of Mie"):
        regions().resolve("JP", "Nagoya")
    with pytest.raises(UnknownRegion, match="not a Thai province"):
        regions().resolve("TH", "Yokkaichi")


def test_every_province_and_municipality_is_there() -> None:
    assert len(regions().all("TH")) == 77
    assert len(regions().all("JP")) == 29


def test_nothing_is_read_at_import() -> None:
    probe = "import shared.reference as r; print(r.industries.cache_info().currsize, r.regions.cache_info().currsize)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0", "0"]
