"""The embedded demo population records: fictional, valid, matched by name and number."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app.identity.population import DEMO_RECORDS, DemoPopulationRecords
from app.numbers import is_valid_id_number


def test_every_demo_record_has_a_valid_id_number() -> None:
    records = tomllib.loads(DEMO_RECORDS.read_text("utf-8"))["record"]
    assert records
    assert all(is_valid_id_number(record["id_number"]) for record in records)


async def test_the_name_on_the_record_matches_and_any_other_does_not() -> None:
    records = DemoPopulationRecords()
    assert await records.verify("张伟", "310115198503120418")
    assert not await records.verify("李娜", "310115198503120418")
    assert not await records.verify("张伟", "110105199007071236")


async def test_numbers_and_names_are_compared_once_normalized() -> None:
    records = DemoPopulationRecords()
    assert await records.verify(" 王芳\u3000", "44030519780215256x")


async def test_a_number_without_a_record_does_not_match(tmp_path: Path) -> None:
    path = tmp_path / "population.toml"
    path.write_text('[[record]]\nname = "陈静"\nid_number = "350203199511203186"\n', "utf-8")
    records = DemoPopulationRecords(path)
    assert await records.verify("陈静", "350203199511203186")
    assert not await records.verify("陈静", "310115198503120418")
