"""A broken catalog file stops loading with a message naming the file, the line and the field.

Each test copies the shipped catalog, breaks one file in one place, and reads the message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.catalog.loader import DATA_DIR, CatalogError, load_catalog


def broken(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of the catalog with ``old`` replaced once in ``file``; and the line of ``new``."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / file
    text = path.read_text("utf-8")
    assert old in text, f"{file} no longer contains {old!r}: update the test"
    text = text.replace(old, new, 1)
    path.write_text(text, "utf-8")
    return data, text[: text.index(new)].count("\n") + 1


def error_of(data: Path) -> str:
    with pytest.raises(CatalogError) as raised:
        load_catalog(data)
    return str(raised.value)


def line_of(data: Path, file: str, text: str) -> int:
    content = (data / file).read_text("utf-8")
    return content[: content.index(text)].count("\n") + 1


def test_a_value_of_the_wrong_type_names_file_line_and_field(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path, "matters/health.yaml", "time_limit_days: 5", "time_limit_days: five"
    )
    message = error_of(data)
    assert f"matters/health.yaml:{line}: matters[0].time_limit_days: Expected `int`" in message


def test_an_unknown_key_is_pointed_at_itself(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path,
        "matters/health.yaml",
        "    level: district\n",
        "    colour: blue\n    level: district\n",
    )
    message = error_of(data)
    assert f"matters/health.yaml:{line}: matters[0]:" in message
    assert "unknown field `colour`" in message


def test_a_missing_key_names_the_item_that_lacks_it(tmp_path: Path) -> None:
    data, _ = broken(tmp_path, "matters/health.yaml", "    level: district\n", "")
    line = line_of(data, "matters/health.yaml", "code: birth-medical-certificate")
    message = error_of(data)
    assert f"matters/health.yaml:{line}: matters[0]:" in message
    assert "missing required field `level`" in message


def test_a_code_defined_twice_names_both_places(tmp_path: Path) -> None:
    data, _ = broken(
        tmp_path, "matters/customs.yaml", "code: customs-deregistration", "code: tax-clearance"
    )
    first = line_of(data, "matters/customs.yaml", "code: tax-clearance")
    second = line_of(data, "matters/taxation.yaml", "code: tax-clearance")
    message = error_of(data)
    assert f"matters/taxation.yaml:{second}: matters[2].code: `tax-clearance` is defined twice" in (
        message
    )
    assert f"matters/customs.yaml:{first}" in message


def test_an_unknown_department_names_file_line_and_field(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path, "matters/customs.yaml", "department: customs\n", "department: ministry-of-magic\n"
    )
    message = error_of(data)
    assert f"matters/customs.yaml:{line}: matters[0].department:" in message
    assert "unknown department `ministry-of-magic`" in message


def test_an_unknown_form_field_names_its_place_in_the_matter(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path, "matters/customs.yaml", "- enterprise.customs_code", "- enterprise.shoe_size"
    )
    message = error_of(data)
    assert f"matters/customs.yaml:{line}: matters[0].fields[2]:" in message
    assert "unknown field `enterprise.shoe_size`" in message


def test_an_unknown_record_source_names_the_prefill(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path,
        "fields.yaml",
        "prefill: {source: water, field: account_number}",
        "prefill: {source: horoscope, field: account_number}",
    )
    message = error_of(data)
    assert f"fields.yaml:{line}: fields[" in message
    assert (
        "].prefill.source: field `utilities.water_account`: unknown record source `horoscope`"
        in (message)
    )


def test_a_field_the_record_source_does_not_hold_names_the_prefill(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path,
        "fields.yaml",
        "prefill: {source: gas, field: account_number}",
        "prefill: {source: gas, field: shoe_size}",
    )
    message = error_of(data)
    assert f"fields.yaml:{line}: fields[" in message
    assert "].prefill.field:" in message
    assert "source `gas` has no field `shoe_size`" in message


def test_a_material_proven_by_an_unknown_record_names_the_proof(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path, "matters/customs.yaml", '"record:enterprise-registry"', '"record:horoscope"'
    )
    message = error_of(data)
    assert f"matters/customs.yaml:{line}: matters[0].materials[0].proven_by[0]:" in message
    assert "unknown proof `record:horoscope`" in message


def test_a_condition_naming_an_answer_the_question_does_not_offer(tmp_path: Path) -> None:
    data, line = broken(tmp_path, "bundles/newborn.yaml", "any_of: [pending]", "any_of: [maybe]")
    message = error_of(data)
    assert f"bundles/newborn.yaml:{line}: bundles[0].matters[0].applies_when[0].any_of:" in message
    assert "names an answer it does not offer: `maybe`" in message


def test_a_condition_on_a_question_the_bundle_does_not_ask(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path, "bundles/newborn.yaml", "{question: household,", "{question: star_sign,"
    )
    message = error_of(data)
    assert (
        f"bundles/newborn.yaml:{line}: bundles[0].matters[2].applies_when[0].question:" in message
    )
    assert "unknown question `star_sign`" in message


def test_depending_on_a_matter_outside_the_bundle(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path,
        "bundles/business-startup.yaml",
        "depends_on: [enterprise-establishment]",
        "depends_on: [deed-tax]",
    )
    message = error_of(data)
    assert f"bundles/business-startup.yaml:{line}: bundles[0].matters[1].depends_on[0]:" in message
    assert "depends on `deed-tax`, not in bundle" in message


def test_matters_depending_on_each_other_in_a_circle(tmp_path: Path) -> None:
    data, _ = broken(
        tmp_path,
        "bundles/second-hand-housing.yaml",
        "      - matter: deed-tax\n",
        "      - matter: deed-tax\n        depends_on: [resale-transfer-registration]\n",
    )
    message = error_of(data)
    assert "bundles/second-hand-housing.yaml:" in message
    assert "deed-tax -> resale-transfer-registration -> deed-tax" in message


def test_a_required_matter_cannot_wait_for_an_optional_one(tmp_path: Path) -> None:
    data, _ = broken(
        tmp_path,
        "bundles/business-startup.yaml",
        "      - matter: seal-engraving-filing\n",
        "      - matter: seal-engraving-filing\n        optional: true\n",
    )
    line = line_of(
        data, "bundles/business-startup.yaml", "depends_on: [enterprise-establishment, s"
    )
    message = error_of(data)
    assert f"bundles/business-startup.yaml:{line}: bundles[0].matters[2].depends_on[1]:" in message
    assert "depends on optional `seal-engraving-filing`" in message


def test_an_unknown_matter_in_a_bundle(tmp_path: Path) -> None:
    data, line = broken(
        tmp_path, "bundles/retirement.yaml", "- matter: pension-claim", "- matter: lottery-win"
    )
    message = error_of(data)
    assert f"bundles/retirement.yaml:{line}: bundles[0].matters[0].matter:" in message
    assert "unknown matter `lottery-win`" in message


def test_a_license_type_of_an_unknown_department(tmp_path: Path) -> None:
    data, line = broken(tmp_path, "licenses.yaml", "department: health", "department: nowhere")
    message = error_of(data)
    assert f"licenses.yaml:{line}: licenses[0].department:" in message
    assert "license type `birth-medical-certificate`: unknown department `nowhere`" in message


def test_bad_yaml_syntax_names_file_and_line(tmp_path: Path) -> None:
    data, line = broken(tmp_path, "bundles/retirement.yaml", "order: 110", "order: 110: 120")
    message = error_of(data)
    assert message.startswith(f"{data / 'bundles/retirement.yaml'}:{line}: not valid YAML")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data, _ = broken(
        tmp_path, "matters/customs.yaml", "department: customs\n", "department: nowhere\n"
    )
    (data / "licenses.yaml").write_text(
        (data / "licenses.yaml").read_text("utf-8").replace("department: health", "department: x"),
        "utf-8",
    )
    message = error_of(data)
    assert message.count("unknown department") == 3  # one matter, two license types
