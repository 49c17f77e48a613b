"""Messages in the reader's language: Jinja2 templates in Thai, Japanese and English, dates by Babel.

Each kind of message has `templates/<kind>/<language>.j2`, which sets `subject` and `body`. A
language without a template falls back to English; a text given in other languages than the
reader's falls back to English, then Thai, then Japanese. Dates and times are shown in the
reader's zone as readers expect them: Thai dates in the Buddhist Era (26 พ.ย. 2569), Japanese as
2026年11月26日, English as 26 Nov 2026. Undefined variables are errors, never blanks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, get_timezone_location
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, pass_context
from jinja2.runtime import Context

from services.notify.domain.messages import Facts, Kind
from shared.contracts.common import Language
from shared.taxonomy import FieldOfCooperation, Skill, Taxonomy

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES: tuple[Language, ...] = ("th", "ja", "en")
FALLBACK: Language = "en"
_TEXT_ORDER: tuple[Language, ...] = ("en", "th", "ja")
_BUDDHIST_ERA = 543

_PARTNERSHIPS: Mapping[str, Mapping[str, str]] = {
    "supplier": {"en": "supplier", "th": "ผู้จัดหาสินค้าและวัตถุดิบ", "ja": "サプライヤー"},
    "buyer": {"en": "buyer", "th": "ผู้ซื้อ", "ja": "バイヤー"},
    "distributor": {"en": "distributor", "th": "ผู้จัดจำหน่าย", "ja": "販売代理店"},
    "joint_venture": {"en": "joint venture", "th": "การร่วมทุน", "ja": "合弁事業"},
    "technology_licensing": {"en": "technology licensing", "th": "การอนุญาตให้ใช้เทคโนโลยี", "ja": "技術ライセンス"},
    "subcontracting": {"en": "subcontracting", "th": "การรับจ้างผลิตช่วง", "ja": "下請け・受託生産"},
    "rd_partner": {"en": "R&D partner", "th": "พันธมิตรด้านวิจัยและพัฒนา", "ja": "研究開発パートナー"},
}
_EVENT_KINDS: Mapping[str, Mapping[str, str]] = {
    "exhibition": {"en": "exhibition", "th": "นิทรรศการ", "ja": "展示会"},
    "seminar": {"en": "seminar", "th": "สัมมนา", "ja": "セミナー"},
    "business_matching_session": {"en": "business matching session", "th": "กิจกรรมจับคู่ธุรกิจ", "ja": "商談会"},
}
_AGENCIES: Mapping[str, Mapping[str, str]] = {
    "th-dip": {
        "en": "Department of Industrial Promotion, Thailand",
        "th": "กรมส่งเสริมอุตสาหกรรม",
        "ja": "タイ工業振興局",
    },
    "jp-mie": {"en": "Mie Prefecture", "th": "จังหวัดมิเอะ", "ja": "三重県"},
}


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message written for one reader."""

    subject: str
    body: str
    language: Language
    """The language it is written in: the reader's, or English when that had no template."""


def _moment(value: str | datetime, zone: str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(ZoneInfo(zone))


def _be_year(moment: datetime) -> str:
    return f"'{moment.year + _BUDDHIST_ERA}'"


def format_date(value: str | datetime, language: Language, zone: str) -> str:
    """A date as its readers write it: 26 พ.ย. 2569, 2026年11月26日, 26 Nov 2026."""
    local = _moment(value, zone)
    if language == "th":
        return format_datetime(local, f"d MMM {_be_year(local)}", tzinfo=local.tzinfo, locale="th")
    if language == "ja":
        return format_datetime(local, "y年M月d日", tzinfo=local.tzinfo, locale="ja")
    return format_datetime(local, "d MMM y", tzinfo=local.tzinfo, locale="en")


def format_time(value: str | datetime, language: Language, zone: str) -> str:
    """A time of day: 10:15 น., 12:15, 10:15 AM."""
    local = _moment(value, zone)
    pattern = {"th": "HH:mm 'น.'", "ja": "H:mm"}.get(language, "h:mm a")
    return format_datetime(local, pattern, tzinfo=local.tzinfo, locale=language)


def format_moment(value: str | datetime, language: Language, zone: str) -> str:
    """A date and time: 26 พ.ย. 2569 เวลา 10:15 น., 2026年11月26日(木) 12:15, Thu 26 Nov 2026, 10:15 AM."""
    local = _moment(value, zone)
    if language == "th":
        pattern = f"d MMM {_be_year(local)} 'เวลา' HH:mm 'น.'"
    elif language == "ja":
        pattern = "y年M月d日(E) H:mm"
    else:
        pattern = "EEE d MMM y, h:mm a"
    return format_datetime(local, pattern, tzinfo=local.tzinfo, locale=language)


def format_period(start: str | datetime, end: str | datetime, language: Language, zone: str) -> str:
    """From start to end: the end's date is repeated only when it is another day."""
    first, last = _moment(start, zone), _moment(end, zone)
    if first.date() == last.date():
        return f"{format_moment(first, language, zone)}–{format_time(last, language, zone)}"
    return f"{format_moment(first, language, zone)} – {format_moment(last, language, zone)}"


def zone_name(zone: str, language: Language) -> str:
    """เวลาไทย, 日本時間, Thailand Time."""
    return str(get_timezone_location(ZoneInfo(zone), locale=language))


def localized(value: Mapping[str, str] | None, language: Language) -> str:
    """The text in the reader's language, else in English, Thai or Japanese; empty for no text."""
    if not value:
        return ""
    for candidate in (language, *_TEXT_ORDER):
        if value.get(candidate):
            return value[candidate]
    return ""


class Renderer:
    """Renders any kind of message in any of the three languages, with the taxonomies' labels."""

    def __init__(
        self,
        fields: Taxonomy[FieldOfCooperation],
        skills: Taxonomy[Skill],
        templates: Path = TEMPLATES,
    ) -> None:
        self._fields = fields
        self._skills = skills
        # One environment per language, whose globals name it: the filters read it from there, so the
        # shared macros import without context and are built once per language, not once per message.
        self._envs = {language: self._environment(templates, language) for language in LANGUAGES}

    def _environment(self, templates: Path, language: Language) -> Environment:
        env = Environment(
            loader=FileSystemLoader(templates),
            undefined=StrictUndefined,
            autoescape=False,  # plain text: e-mail text/plain, LINE text, JSON strings
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates ship with the code: compiled once, their files not checked on each render
        )
        env.globals["language"] = language
        env.filters.update(
            t=_with_language(localized),
            date=_with_place(format_date),
            time=_with_place(format_time),
            datetime=_with_place(format_moment),
            period=_period,
            zone_name=_with_language(zone_name),
            percent=_with_language(lambda value, language: format_percent(value, locale=language)),
            number=_with_language(lambda value, language: format_decimal(value, locale=language)),
            field=_with_language(self._field),
            skill=_with_language(self._skill),
            partnership=_with_language(lambda value, language: _PARTNERSHIPS.get(value, {}).get(language, value)),
            event_kind=_with_language(lambda value, language: _EVENT_KINDS.get(value, {}).get(language, value)),
            agency_name=_with_language(lambda value, language: _AGENCIES.get(value, {}).get(language, value)),
            language_name=_with_language(_language_name),
            country=_with_language(lambda value, language: Locale(language).territories.get(value, value)),
        )
        return env

    def render(self, kind: Kind, language: Language, zone: str, facts: Facts, recipient: Mapping[str, Any]) -> Rendered:
        """`facts` of a message of `kind`, for `recipient` (its `name` and `contact_name`), in `language`."""
        try:
            template = self._envs[language].get_template(f"{kind}/{language}.j2")
            written_in = language
        except TemplateNotFound:
            template = self._envs[FALLBACK].get_template(f"{kind}/{FALLBACK}.j2")
            written_in = FALLBACK
        module = template.make_module({**facts, "recipient": recipient, "zone": zone})
        subject, body = getattr(module, "subject", None), getattr(module, "body", None)
        if subject is None or body is None:
            raise ValueError(f"template {template.name} must set both subject and body")
        return Rendered(subject=" ".join(str(subject).split()), body=str(body).strip() + "\n", language=written_in)

    def _field(self, field_id: str, language: Language) -> str:
        return self._fields[field_id].label[language] if field_id in self._fields else field_id

    def _skill(self, skill_id: str, language: Language) -> str:
        return self._skills[skill_id].label[language] if skill_id in self._skills else skill_id


@pass_context
def _period(context: Context, start: str, end: str, zone: str | None = None) -> str:
    return format_period(start, end, context["language"], zone or context["zone"])


def _language_name(code: str, language: Language) -> str:
    name = Locale(language).languages.get(code, code)
    return f"ภาษา{name}" if language == "th" and not name.startswith("ภาษา") else str(name)


def _with_language(function: Any) -> Any:
    """A filter taking the reader's language from the template's context."""

    @pass_context
    def filter_(context: Context, value: Any, *args: Any) -> Any:
        return function(value, context["language"], *args)

    return filter_


def _with_place(function: Any) -> Any:
    """A date filter taking the reader's language and zone from the context; `zone` may be given instead."""

    @pass_context
    def filter_(context: Context, value: Any, zone: str | None = None) -> Any:
        return function(value, context["language"], zone or context["zone"])

    return filter_
