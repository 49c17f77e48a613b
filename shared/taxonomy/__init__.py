"""The programme's taxonomies, as data: fields of cooperation and skills, labelled in th/ja/en.

Each is a TOML file shipped with the package, optionally extended by an operator's file of the
same format (`KAKEHASHI_FIELDS_FILE`, `KAKEHASHI_SKILLS_FILE`), so that a new field or skill
needs no release. Loading reads files; callers load once (at service start) and pass the result.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

_HERE = Path(__file__).parent
LANGUAGES = ("en", "th", "ja")
T = TypeVar("T")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Label:
    en: str
    th: str
    ja: str

    def __getitem__(self, language: str) -> str:
        return {"en": self.en, "th": self.th, "ja": self.ja}.get(language, self.en)


@dataclass(frozen=True, slots=True)
class FieldOfCooperation:
    id: str
    label: Label


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    label: Label
    esco: str | None = None
    field: str | None = None
    certifications: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy(Generic[T]):
    """Entries by id, in file order."""

    entries: Mapping[str, T] = field(default_factory=dict)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __getitem__(self, key: str) -> T:
        return self.entries[key]

    def __iter__(self) -> Iterator[T]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def ids(self) -> tuple[str, ...]:
        return tuple(self.entries)


def _read(path: Path) -> dict[str, dict[str, object]]:
    try:
        with path.open("rb") as source:
            return tomllib.load(source)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise TaxonomyError(f"{path}: {error}") from None


def _label(path: Path, key: str, entry: Mapping[str, object]) -> Label:
    missing = [language for language in LANGUAGES if not isinstance(entry.get(language), str) or not entry[language]]
    if missing:
        raise TaxonomyError(f"{path}: [{key}] needs a label in {', '.join(missing)}")
    return Label(en=str(entry["en"]), th=str(entry["th"]), ja=str(entry["ja"]))


def _strings(path: Path, key: str, entry: Mapping[str, object], name: str) -> tuple[str, ...]:
    value = entry.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TaxonomyError(f"{path}: [{key}] {name} must be a list of strings")
    return tuple(value)


def load_fields(extra: Path | None = None) -> Taxonomy[FieldOfCooperation]:
    entries: dict[str, FieldOfCooperation] = {}
    for path in (_HERE / "fields.toml", *([extra] if extra else [])):
        for key, entry in _read(path).items():
            entries[key] = FieldOfCooperation(key, _label(path, key, entry))
    return Taxonomy(entries)


def load_skills(extra: Path | None = None, *, fields: Taxonomy[FieldOfCooperation] | None = None) -> Taxonomy[Skill]:
    known_fields = fields or load_fields()
    entries: dict[str, Skill] = {}
    for path in (_HERE / "skills.toml", *([extra] if extra else [])):
        for key, entry in _read(path).items():
            field_id = entry.get("field")
            if field_id is not None and field_id not in known_fields:
                raise TaxonomyError(f"{path}: [{key}] names an unknown field of cooperation {field_id!r}")
            esco = entry.get("esco")
            entries[key] = Skill(
                id=key,
                label=_label(path, key, entry),
                esco=str(esco) if esco else None,
                field=str(field_id) if field_id else None,
                certifications=_strings(path, key, entry, "certifications"),
                tags=_strings(path, key, entry, "tags"),
            )
    return Taxonomy(entries)
