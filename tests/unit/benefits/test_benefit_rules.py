"""The proactive-benefit rules: the repository's file loads; broken ones name the benefit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.benefits.rules import AgeAtLeast, Condition, OneOf, load_benefits
from app.catalog.loader import CatalogError
from app.records.exchange import RecordValue

TODAY = date(2026, 11, 23)


def _value(value: str) -> RecordValue:
    return RecordValue(source="population", field="birth_date", value=value, as_of=TODAY)


def test_the_repository_benefits_load_and_name_known_record_fields() -> None:
    benefits = load_benefits()
    assert {"old-age-allowance", "disability-living-subsidy", "job-stabilisation-refund"} <= set(
        benefits
    )


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
