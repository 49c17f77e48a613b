"""Every template in Thai, Japanese and English: complete, in the right script, dates as readers write them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.notify.domain import messages
from services.notify.domain.messages import KINDS, Kind, Message, Source
from services.notify.rendering import (
    LANGUAGES,
    TEMPLATES,
    Renderer,
    format_date,
    format_moment,
    format_period,
    localized,
)
from shared.contracts.common import Language
from shared.taxonomy import load_fields, load_skills
from tests.unit.notify import builders

SOURCE = Source("event-1", "event-1", "collab.matching.match.proposed.v1")
READER = {
    "company_id": builders.THAI,
    "name": {"en": "Siam Coastal Foods", "th": "สยามโคสตัลฟู้ดส์", "ja": "サイアム・コースタル・フーズ"},
    "contact_name": "Somchai P.",
}
ZONE = {"th": "Asia/Bangkok", "ja": "Asia/Tokyo", "en": "Asia/Bangkok"}
THAI_SCRIPT = re.compile(r"[\u0E00-\u0E7F]")
JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30FF\u4E00-\u9FFF]")


def one_of_each() -> dict[Kind, Message]:
    """A message of every kind, as the handlers build them from upstream events."""
    bulletin = messages.bulletin_facts("jp-mie", builders.bulletin())
    examples: list[Message] = [
        messages.match_proposed(SOURCE, builders.match_proposed())[0],
        messages.match_confirmed(SOURCE, builders.match_confirmed())[1],
        messages.registration(SOURCE, builders.registration_confirmed()),
        messages.registration(SOURCE, builders.registration_waitlisted()),
        messages.registration(SOURCE, builders.registration_promoted()),
        messages.meeting_scheduled(SOURCE, builders.meeting_scheduled(), {builders.JAPANESE: {"ja": "三重冷凍機械"}})[
            0
        ],
        *[m for m in [messages.skill_record_updated(SOURCE, builders.skill_record_updated())] if m is not None],
        messages.bulletin(SOURCE, builders.THAI, bulletin),
        messages.digest(builders.THAI, "d-1", [bulletin, bulletin], datetime(2026, 11, 26, 1, tzinfo=UTC)),
    ]
    return {message.kind: message for message in examples}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    fields = load_fields()
    return Renderer(fields, load_skills(fields=fields))


def test_every_kind_has_a_template_in_each_of_the_three_languages() -> None:
    assert set(one_of_each()) == set(KINDS)
    for kind in KINDS:
        for language in LANGUAGES:
            assert (TEMPLATES / kind / f"{language}.j2").is_file(), f"{kind} has no {language} template"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_renders_completely_in_the_readers_script(
    renderer: Renderer, kind: Kind, language: Language
) -> None:
    message = one_of_each()[kind]
    text = renderer.render(kind, language, ZONE[language], message.facts, READER)
    assert text.language == language
    assert text.subject
    assert "\n" not in text.subject
    assert len(text.body) > 80
    for written in (text.subject, text.body):
        assert "{{" not in written
        assert "{%" not in written
        assert "None" not in written
    script = {"th": THAI_SCRIPT, "ja": JAPANESE_SCRIPT}.get(language)
    if script is not None:
        assert script.search(text.subject), f"{kind} subject in {language}: {text.subject}"
        assert len(script.findall(text.body)) > 20
    else:
        assert not THAI_SCRIPT.search(text.body.replace("สยามโคสตัลฟู้ดส์", ""))


def test_a_missing_key_is_an_error_never_a_blank(renderer: Renderer) -> None:
    message = one_of_each()["match_proposed"]
    facts = {name: value for name, value in message.facts.items() if name != "expires_at"}
    with pytest.raises(Exception, match="expires_at"):
        renderer.render("match_proposed", "th", "Asia/Bangkok", facts, READER)


def test_a_language_without_templates_falls_back_to_english(tmp_path: Path, renderer: Renderer) -> None:
    (tmp_path / "match_proposed").mkdir()
    (tmp_path / "_macros").mkdir()
    for name in ("match_proposed/en.j2", "_macros/en.j2"):
        (tmp_path / name).write_text((TEMPLATES / name).read_text())
    english_only = Renderer(load_fields(), load_skills(), templates=tmp_path)
    message = one_of_each()["match_proposed"]
    text = english_only.render("match_proposed", "th", "Asia/Bangkok", message.facts, READER)
    assert text.language == "en"
    assert text.subject.startswith("A business partner proposal for you")
    assert "10 Dec 2026" in text.body


def test_thai_dates_count_the_buddhist_era_and_japanese_dates_read_as_written_in_japan() -> None:
    moment = "2026-11-26T03:15:00+00:00"
    assert format_date(moment, "th", "Asia/Bangkok") == "26 พ.ย. 2569"
    assert format_date(moment, "ja", "Asia/Tokyo") == "2026年11月26日"
    assert format_date(moment, "en", "Asia/Bangkok") == "26 Nov 2026"
    assert format_moment(moment, "th", "Asia/Bangkok") == "26 พ.ย. 2569 เวลา 10:15 น."
    assert format_moment(moment, "ja", "Asia/Tokyo") == "2026年11月26日(木) 12:15"
    assert format_moment(moment, "en", "Asia/Tokyo") == "Thu 26 Nov 2026, 12:15 PM"


def test_the_date_is_the_readers_local_date_and_the_era_turns_with_it() -> None:
    new_year_in_tokyo = "2026-12-31T16:30:00+00:00"
    assert format_date(new_year_in_tokyo, "ja", "Asia/Tokyo") == "2027年1月1日"
    assert format_date(new_year_in_tokyo, "th", "Asia/Bangkok") == "31 ธ.ค. 2569"
    assert format_date(new_year_in_tokyo, "th", "Asia/Tokyo") == "1 ม.ค. 2570"


def test_a_period_repeats_the_date_only_when_it_ends_on_another_day() -> None:
    assert format_period("2026-11-26T03:00:00Z", "2026-11-26T03:20:00Z", "ja", "Asia/Tokyo") == (
        "2026年11月26日(木) 12:00–12:20"
    )
    assert format_period("2026-11-26T03:00:00Z", "2026-11-27T09:00:00Z", "th", "Asia/Bangkok") == (
        "26 พ.ย. 2569 เวลา 10:00 น. – 27 พ.ย. 2569 เวลา 16:00 น."
    )


def test_a_meeting_is_told_in_the_readers_zone_with_the_venues_time_beside_it(renderer: Renderer) -> None:
    message = one_of_each()["meeting_scheduled"]
    tokyo = renderer.render("meeting_scheduled", "ja", "Asia/Tokyo", message.facts, READER)
    assert "日時：2026年11月26日(木) 12:00–12:20（日本時間）" in tokyo.body
    assert "2026年11月26日(木) 10:00–10:20（タイ時間・会場の現地時間）" in tokyo.body
    bangkok = renderer.render("meeting_scheduled", "th", "Asia/Bangkok", message.facts, READER)
    assert "วันและเวลา: 26 พ.ย. 2569 เวลา 10:00 น.–10:20 น. (เวลาไทย)" in bangkok.body
    assert "ณ สถานที่จัดงาน" not in bangkok.body, "same zone as the venue: said once"
    assert "三重冷凍機械" in bangkok.body


def test_reasons_are_told_from_the_readers_side_with_taxonomy_labels(renderer: Renderer) -> None:
    thai_side, japanese_side = messages.match_proposed(SOURCE, builders.match_proposed())
    thai = renderer.render("match_proposed", "th", "Asia/Bangkok", thai_side.facts, READER).body
    japanese = renderer.render("match_proposed", "ja", "Asia/Tokyo", japanese_side.facts, READER).body
    english = renderer.render("match_proposed", "en", "Asia/Tokyo", japanese_side.facts, READER).body
    assert "อีกฝ่ายเสนอ cold chain ซึ่งท่านกำลังมองหา" in thai
    assert "ทั้งสองฝ่ายดำเนินงานในสาขานวัตกรรมอาหาร" in thai
    assert "บุคลากรของท่านผ่านการฝึกอบรมด้านความปลอดภัยอาหาร (HACCP)" in thai
    assert "貴社が提供する「cold chain」は、先方が求めているものです。" in japanese
    assert "「食品イノベーション」" in japanese
    assert "先方の従業員は「食品安全（HACCP）」の研修を修了しています" in japanese
    assert "You offer cold chain, which they are looking for." in english
    assert "Their staff completed training in Food safety (HACCP)" in english


def test_text_falls_back_to_english_then_thai_then_japanese() -> None:
    assert localized({"th": "ไทย", "en": "English"}, "ja") == "English"
    assert localized({"th": "ไทย", "ja": "日本語"}, "en") == "ไทย"
    assert localized({"ja": "日本語"}, "th") == "日本語"
    assert localized(None, "th") == ""
