"""The demo record store: a coherent fictional cast, checked when it is loaded."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from app.demo import DATA_DIR
from app.identity.population import DEMO_RECORDS
from app.numbers import is_valid_credit_code, is_valid_id_number
from app.records.demo_store import DemoRecordsError, load_demo_records
from app.records.exchange import DemoRecordExchange, RecordSubject
from app.records.sources import SubjectKind

ZHANG_WEI = "310115198503120418"
LI_NA = "110105199007071236"
WANG_FANG = "44030519780215256X"
LIU_YANG = "510107196209030719"
ZHAO_JIANGUO = "430104196605181835"


def _person(number: str) -> RecordSubject:
    return RecordSubject(kind=SubjectKind.PERSON, number=number)


def _enterprise(code: str) -> RecordSubject:
    return RecordSubject(kind=SubjectKind.ENTERPRISE, number=code)


async def _values(subject: RecordSubject, source: str, *fields: str) -> dict[str, str]:
    found = await DemoRecordExchange().read(subject, source, fields, "test")
    return {value.field: value.value for value in found}


def test_every_subject_is_a_valid_number_of_its_kind() -> None:
    for source, number in load_demo_records():
        valid = (
            is_valid_credit_code if source in {"enterprise-registry", "tax"} else is_valid_id_number
        )
        assert valid(number), (source, number)


async def test_everyone_on_the_real_name_list_has_a_household_record_of_the_same_name() -> None:
    people = tomllib.loads(DEMO_RECORDS.read_text("utf-8"))["record"]
    for person in people:
        values = await _values(_person(person["id_number"]), "population", "name", "id_number")
        assert values == {"name": person["name"], "id_number": person["id_number"]}


async def test_the_married_couple_share_a_household_and_name_each_other() -> None:
    zhang = await _values(_person(ZHANG_WEI), "population", "household_number", "household_head")
    li = await _values(_person(LI_NA), "population", "household_number", "relation_to_head")
    assert zhang["household_number"] == li["household_number"]
    assert (zhang["household_head"], li["relation_to_head"]) == ("张伟", "妻")
    assert await _values(_person(ZHANG_WEI), "marriage", "spouse_id_number") == {
        "spouse_id_number": LI_NA
    }
    assert await _values(_person(LI_NA), "marriage", "spouse_name") == {"spouse_name": "张伟"}


async def test_both_parents_read_the_same_birth_certificate_of_their_daughter() -> None:
    fields = ("child_name", "child_birth_date", "birth_place", "mother_name", "father_name")
    father = await _values(_person(ZHANG_WEI), "birth-medical", *fields)
    mother = await _values(_person(LI_NA), "birth-medical", *fields)
    assert father == mother
    assert father["child_name"] == "张小满"
    assert father["child_birth_date"] == "2026-11-10"
    assert father["birth_place"] == "长沙市妇幼保健院"
    assert await _values(_person(WANG_FANG), "birth-medical", *fields) == {}


async def test_the_family_home_has_water_power_and_gas_at_its_address() -> None:
    home = await _values(_person(ZHANG_WEI), "real-estate", "property_address")
    for utility in ("water", "power", "gas"):
        account = await _values(_person(ZHANG_WEI), utility, "address", "account_holder")
        assert account == {"address": home["property_address"], "account_holder": "张伟"}
    assert await _values(_person(WANG_FANG), "real-estate", "mortgage_status") == {
        "mortgage_status": "无抵押"
    }


async def test_retirement_and_disability_cases_are_there() -> None:
    born = date.fromisoformat(
        (await _values(_person(ZHAO_JIANGUO), "population", "birth_date"))["birth_date"]
    )
    assert born.year == 1966
    months = await _values(_person(ZHAO_JIANGUO), "social-insurance", "contribution_months")
    assert int(months["contribution_months"]) >= 13 * 12
    disability = await _values(_person(LIU_YANG), "disability", "category", "grade")
    assert disability == {"category": "肢体", "grade": "二级"}
    retired = await _values(_person(LIU_YANG), "social-insurance", "insured_status")
    assert "退休" in retired["insured_status"]


async def test_demo_enterprises_have_registry_and_tax_records_and_one_owes_nothing() -> None:
    enterprises = tomllib.loads((DATA_DIR / "enterprises.toml").read_text("utf-8"))["enterprise"]
    clean = []
    for enterprise in enterprises:
        tax = await _values(_enterprise(enterprise["credit_code"]), "tax", "outstanding_tax")
        assert tax, enterprise["name"]
        registry = await _values(
            _enterprise(enterprise["credit_code"]), "enterprise-registry", "name"
        )
        assert registry in ({}, {"name": enterprise["name"]})
        if tax["outstanding_tax"] == "无":
            clean.append(enterprise["name"])
    assert "明湖示例餐饮有限公司" in clean
    assert len(clean) < len(enterprises)  # and one still owes tax


async def test_only_requested_fields_are_answered_and_an_unknown_subject_has_none() -> None:
    assert await _values(_person(ZHANG_WEI), "population", "name") == {"name": "张伟"}
    assert await _values(_person("11010519491231002X"), "population", "name") == {}


async def test_a_person_source_cannot_be_asked_about_an_enterprise() -> None:
    with pytest.raises(ValueError, match="holds person records"):
        await DemoRecordExchange().read(
            _enterprise("91310104MA1FR8N2XY"), "population", ["name"], "t"
        )


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ('source = "pets"\nsubject = "310115198503120418"', "unknown source"),
        (
            'source = "population"\nsubject = "310115198503120418"\nvalues = {colour = "red"}',
            "no field colour",
        ),
        ('source = "population"\nsubject = "310115198503120419"', "not a valid ID number"),
        ('source = "tax"\nsubject = "310115198503120418"', "not a valid credit code"),
        ('source = "population"', "name its subject"),
    ],
)
def test_a_broken_record_file_names_the_file_the_record_and_the_problem(
    tmp_path: Path, record: str, message: str
) -> None:
    body = record if "values" in record else record + "\nvalues = {}"
    (tmp_path / "broken.toml").write_text(f"[[record]]\n{body}\nas_of = 2026-11-01\n", "utf-8")
    with pytest.raises(DemoRecordsError, match=message) as caught:
        load_demo_records(tmp_path)
    assert str(caught.value).startswith("broken.toml, record 1")


def test_a_second_record_of_the_same_source_and_subject_is_refused(tmp_path: Path) -> None:
    record = (
        '[[record]]\nsource = "gas"\nsubject = "310115198503120418"\n'
        "as_of = 2026-11-01\nvalues = {}\n"
    )
    (tmp_path / "twice.toml").write_text(record * 2, "utf-8")
    with pytest.raises(DemoRecordsError, match=r"record 2 .*a second gas record"):
        load_demo_records(tmp_path)
