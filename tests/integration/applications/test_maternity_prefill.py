"""The maternity claim is the insured mother's: it is never filled from the father's insurance
record when he applies for 新生儿出生一件事 (issue 20, item 4).

Records are read about the applicant. The stand-in answers as the demo records of 张伟 (the
father: employed by 鹭江) and 李娜 (the mother: employed by 城东) would, with the birth
certificate naming 李娜 as the mother.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.applications.drafts import DraftValues
from app.catalog.engine import merged_field_keys
from app.catalog.loader import default_catalog
from app.config import Settings
from app.identity.persons import find_or_create_by_phone
from tests.integration.application_support import new_phone
from tests.integration.applications.test_material_proofs import (
    Records,
    _protector,
    _services,
    sessions,
)

__all__ = ["sessions"]  # the fixture, shared with the proofs' tests

FATHER, MOTHER = "310115198503120418", "110105199007071236"
BIRTH = {"child_name": "张小满", "child_birth_date": "2026-11-10", "mother_name": "李娜",
         "mother_id_number": MOTHER, "father_name": "张伟", "father_id_number": FATHER}  # fmt: skip
ANSWERS = {"birth_certificate": ["issued"], "household": ["local"],
           "maternity_insurance": ["yes"]}  # fmt: skip


def _records_of(number: str, employer: str, account: str) -> Records:
    return Records({
        "population": {"name": "申请人", "id_number": number},
        "birth-medical": BIRTH,
        "social-insurance": {"insured_status": "在职参保缴费", "employer_name": employer,
                             "bank_account": account},
        "medical-insurance": {"insured_status": "参保缴费", "scheme": "employee"},
    })  # fmt: skip


async def _form_after_consent(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path,
    records: Records,
) -> DraftValues:  # fmt: skip
    async with sessions() as db, db.begin():
        drafts, _ = _services(db, settings, tmp_path, records)
        person = await find_or_create_by_phone(db, _protector(settings), new_phone())
        draft = await drafts.start(person, "newborn", enterprise_id=None)
        await drafts.answer(draft, ANSWERS, [])
        await drafts.acknowledge_notice(draft)
        await drafts.grant_consent(draft, person)
        assert "maternity-benefits" in drafts.selection(draft).selected_codes
        return drafts.values(draft)


async def test_the_fathers_insurance_record_never_fills_the_maternity_claim(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path
) -> None:
    father = _records_of(FATHER, "鹭江示例科技有限公司", "6217002920012345678")
    form = await _form_after_consent(sessions, settings, tmp_path, father)
    catalog = default_catalog().catalog
    claim = set(merged_field_keys(catalog, ["maternity-benefits"]))
    filled = {key: form.prefilled[key].value for key in claim if key in form.prefilled}
    assert "鹭江示例科技有限公司" not in filled.values()
    assert "6217002920012345678" not in filled.values()
    assert "employee" not in filled.values()  # his scheme is not hers
    # What the birth certificate says of the mother is hers, whoever applies.
    assert filled["mother.name"] == "李娜"
    # The rest of the claim is hers to give: typed, as the form asks.
    for key in ("mother.employer", "mother.medical_scheme", "mother.bank_account"):
        assert key in claim
        assert key not in form.prefilled


async def test_the_mother_applying_gets_her_own_insurance_record_filled_in(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path
) -> None:
    mother = _records_of(MOTHER, "城东示例社区服务中心", "6228480402564890018")
    form = await _form_after_consent(sessions, settings, tmp_path, mother)
    assert form.prefilled["mother.employer"].value == "城东示例社区服务中心"
    assert form.prefilled["mother.medical_scheme"].value == "employee"
    assert form.prefilled["mother.bank_account"].value == "6228480402564890018"
    # Deciding whose record it is took the two ID numbers (read with the consent).
    assert ("population", "id_number") in {(r.source, r.field) for r in mother.asked}
    assert ("birth-medical", "mother_id_number") in {(r.source, r.field) for r in mother.asked}
