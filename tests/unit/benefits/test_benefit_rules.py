"""The proactive-benefit rules: the repository's file loads; broken ones name the benefit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.benefits.rules import AgeAtLeast, Condition, OneOf, load_benefits
from app.catalog.loader import CatalogError, default_catalog
from app.records.exchange import RecordValue

TODAY = date(2026, 11, 23)


def _value(value: str) -> RecordValue:
    return RecordValue(source="population", field="birth_date", value=value, as_of=TODAY)


def test_the_repository_benefits_load_and_name_known_record_fields() -> None:
    benefits = load_benefits()
    assert {
        "old-age-allowance",
        "disability-living-subsidy",
        "disability-care-subsidy",
        "job-stabilisation-refund",
    } <= set(benefits)


def test_a_benefit_granting_a_matter_agrees_with_the_catalog_on_department_and_name() -> None:
    catalog = default_catalog().catalog
    benefits = load_benefits()
    granted = {b.code: b.matter for b in benefits.values() if b.matter}
    assert granted == {
        "disability-living-subsidy": "disability-living-allowance",
        "disability-care-subsidy": "disability-care-allowance",
    }
    for code, matter in granted.items():
        assert benefits[code].department == catalog.matters[matter].department == "civil-affairs"
        assert benefits[code].name == catalog.matters[matter].name


def test_the_living_allowance_needs_a_poor_household_and_the_care_allowance_a_severe_grade() -> (
    None
):
    benefits = load_benefits()
    living = {(c.source, c.field): c for c in benefits["disability-living-subsidy"].conditions}
    care = {(c.source, c.field): c for c in benefits["disability-care-subsidy"].conditions}
    assistance = living[("social-assistance", "assistance_type")]
    assert assistance.one_of is not None
    assert set(assistance.one_of.values) == {"最低生活保障家庭", "低收入家庭"}
    assert living[("disability", "grade")].one_of == OneOf(["一级", "二级", "三级", "四级"])
    assert set(care) == {("disability", "grade")}
    assert care[("disability", "grade")].one_of == OneOf(["一级", "二级"])


def test_no_file_means_no_benefits(tmp_path: Path) -> None:
    assert load_benefits(tmp_path / "benefits.yaml") == {}


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("{source: population, field: shoe_size, one_of: {values: [x]}}", "unknown record field"),
        ("{source: tax, field: taxpayer_status, one_of: {values: [x]}}", "holds enterprise"),
        ("{source: population, field: id_number, one_of: {values: [x]}}", "sensitive"),
        ("{source: population, field: birth_date}", "exactly one of"),
    ],
)
def test_a_broken_rule_stops_loading_naming_the_benefit_and_why(
    tmp_path: Path, condition: str, reason: str
) -> None:
    path = tmp_path / "benefits.yaml"
    path.write_text(
        "benefits:\n  - code: broken\n    name: {zh: 坏, en: Broken}\n"
        "    department: civil-affairs\n    subject: person\n"
        f"    conditions:\n      - {condition}\n",
        "utf-8",
    )
    with pytest.raises(CatalogError, match=rf"`broken`.*{reason}"):
        load_benefits(path)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("    matter: disability-living-allowance\n", "not the department of matter"),
        ("    matter: lottery-win\n", "unknown matter `lottery-win`"),
    ],
)
def test_a_benefit_that_contradicts_its_matter_stops_loading(
    tmp_path: Path, extra: str, reason: str
) -> None:
    path = tmp_path / "benefits.yaml"
    path.write_text(
        "benefits:\n  - code: broken\n"
        "    name: {zh: 困难残疾人生活补贴, en: Living allowance for people with disabilities in"
        " hardship}\n"
        f"    department: disabled-persons-federation\n{extra}    subject: person\n"
        "    conditions:\n      - {source: disability, field: grade, one_of: {values: [一级]}}\n",
        "utf-8",
    )
    with pytest.raises(CatalogError, match=rf"`broken`.*{reason}"):
        load_benefits(path)


def test_an_age_rule_holds_from_the_birthday_on() -> None:
    eighty = Condition(source="population", field="birth_date", age_at_least=AgeAtLeast(80))
    assert eighty.holds(_value("1946-11-23"), TODAY)
    assert not eighty.holds(_value("1946-11-24"), TODAY)
    assert not eighty.holds(_value("not a date"), TODAY)
    assert not eighty.holds(None, TODAY)


def test_a_one_of_rule_compares_the_trimmed_value() -> None:
    grade = Condition(source="disability", field="grade", one_of=OneOf(["一级", "二级"]))
    assert grade.holds(_value(" 二级 "), TODAY)
    assert not grade.holds(_value("四级"), TODAY)
