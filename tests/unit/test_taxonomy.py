"""The fields-of-cooperation and skills taxonomies: trilingual data that grows without a release."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.taxonomy import TaxonomyError, load_fields, load_skills


def test_every_field_and_skill_is_labelled_in_thai_japanese_and_english() -> None:
    fields, skills = load_fields(), load_skills()
    assert {"food_innovation", "environmental_technology", "renewable_energy", "smart_manufacturing"} <= set(
        fields.ids()
    )
    assert fields["food_innovation"].label["th"] == "นวัตกรรมอาหาร"
    assert skills["food_safety_haccp"].label["ja"] == "食品安全（HACCP）"
    assert skills["food_safety_haccp"].certifications == ("HACCP",)
    for skill in skills:
        assert skill.field is None or skill.field in fields


def test_an_operator_adds_a_field_and_a_skill_without_a_release(tmp_path: Path) -> None:
    extra_fields = tmp_path / "fields.toml"
    extra_fields.write_text('[hydrogen]\nen = "Hydrogen"\nth = "ไฮโดรเจน"\nja = "水素"\n')
    extra_skills = tmp_path / "skills.toml"
    extra_skills.write_text(
        '[fuel_cell_maintenance]\nen = "Fuel-cell maintenance"\nth = "การบำรุงรักษาเซลล์เชื้อเพลิง"\n'
        'ja = "燃料電池の保守"\nfield = "hydrogen"\n'
    )
    fields = load_fields(extra_fields)
    assert fields["hydrogen"].label["ja"] == "水素"
    assert "food_innovation" in fields
    assert load_skills(extra_skills, fields=fields)["fuel_cell_maintenance"].field == "hydrogen"


def test_a_label_missing_in_one_language_is_refused_naming_the_entry(tmp_path: Path) -> None:
    extra = tmp_path / "fields.toml"
    extra.write_text('[space]\nen = "Space"\nth = "อวกาศ"\n')
    with pytest.raises(TaxonomyError, match=r"\[space\] needs a label in ja"):
        load_fields(extra)


def test_a_skill_in_an_unknown_field_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "skills.toml"
    extra.write_text('[x]\nen = "X"\nth = "X"\nja = "X"\nfield = "nowhere"\n')
    with pytest.raises(TaxonomyError, match="unknown field of cooperation 'nowhere'"):
        load_skills(extra)
