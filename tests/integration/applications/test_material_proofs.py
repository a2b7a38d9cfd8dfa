"""What proves a material (一套材料): a record that says the right thing, not merely one that
exists, and a result only for the document it really is (issue 20, items 1 and 2).

The real catalog on the real database, with the shared records answered by a stand-in that
returns the values each test gives (as the records of 鹭江 and 明湖 in the demo data say).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.applications.draft_materials import DraftMaterials, MaterialNeed
from app.applications.drafts import DraftService
from app.catalog.loader import default_catalog
from app.composition.build import create_engine
from app.config import Settings
from app.enterprises.service import EnterpriseService
from app.identity.models import Person
from app.identity.persons import find_or_create_by_phone
from app.protection import DataProtector, load_protection_keys
from app.records.exchange import RecordValue
from app.records.service import FieldRequest, Purpose, RecordRead
from app.storage import LocalFileStorage
from tests.integration.application_support import engine_sessionmaker, new_phone
from tests.integration.wallet_support import new_credit_code

AS_OF = date(2026, 11, 2)
OWES_TAX = {"taxpayer_status": "正常", "outstanding_tax": "欠缴增值税3,260.00元",
            "unverified_invoices": "2份"}  # fmt: skip
CLEARED = {"taxpayer_status": "正常", "outstanding_tax": "无", "unverified_invoices": "无"}


class Records:
    """The shared records as the test sets them: (source -> field -> value), read by anyone."""

    def __init__(self, values: Mapping[str, Mapping[str, str]]) -> None:
        self.values = values
        self.asked: list[FieldRequest] = []

    async def grant_consent(self, *_: object, **__: object) -> object:
        return None

    async def read_outcomes(
        self, person: Person, purpose: Purpose, requests: Sequence[FieldRequest], **_: object
    ) -> RecordRead:
        self.asked = list(requests)
        found = {
            (r.source, r.field): RecordValue(r.source, r.field, value, AS_OF)
            for r in requests
            if (value := self.values.get(r.source, {}).get(r.field))
        }
        return RecordRead(values=found, outcomes={})

    async def report_error(self, *_: object, **__: object) -> object:
        return None


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    yield engine_sessionmaker(engine)
    await engine.dispose()


def _protector(settings: Settings) -> DataProtector:
    return DataProtector(load_protection_keys(None, settings.var_dir, production=False))


def _services(
    db: AsyncSession, settings: Settings, tmp_path: Path, records: Records
) -> tuple[DraftService, DraftMaterials]:
    protector = _protector(settings)
    drafts = DraftService(
        db, catalog=default_catalog().catalog, protector=protector, records=records
    )
    materials = DraftMaterials(
        db, drafts=drafts, storage=LocalFileStorage(tmp_path), max_bytes=10**6, max_pixels=10**6
    )
    return drafts, materials


async def _needs_after_consent(
    db: AsyncSession, drafts: DraftService, materials: DraftMaterials, person: Person,
    bundle: str, answers: dict[str, list[str]], enterprise_id: UUID | None = None,
) -> dict[str, MaterialNeed]:  # fmt: skip
    draft = await drafts.start(person, bundle, enterprise_id=enterprise_id)
    await drafts.answer(draft, answers, [])
    await drafts.acknowledge_notice(draft)
    await drafts.grant_consent(draft, person)
    return {n.material.code: n for n in await materials.needs(draft)}


async def _deregistration_needs(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path,
    tax: dict[str, str],
) -> tuple[dict[str, MaterialNeed], Records]:  # fmt: skip
    records = Records({"tax": tax, "enterprise-registry": {"name": "鹭江示例科技有限公司"}})
    async with sessions() as db, db.begin():
        phone = new_phone()
        person = await find_or_create_by_phone(db, _protector(settings), phone)
        enterprise = await EnterpriseService(
            db, protector=_protector(settings)
        ).register_from_registry(new_credit_code(), "鹭江示例科技有限公司", phone)
        drafts, materials = _services(db, settings, tmp_path, records)
        needs = await _needs_after_consent(
            db, drafts, materials, person, "enterprise-deregistration",
            {"procedure": ["simplified"], "social_insurance": ["no"], "housing_fund": ["no"],
             "customs": ["no"]},
            enterprise_id=enterprise.id,
        )  # fmt: skip
    return needs, records


async def test_a_tax_record_showing_tax_owed_does_not_prove_the_tax_clearance_certificate(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path
) -> None:
    needs, records = await _deregistration_needs(sessions, settings, tmp_path, OWES_TAX)
    clearance = needs["tax-clearance"]
    # Not "in the records": it comes from the tax clearance the deregistration waits for.
    assert clearance.proof == "result:tax-clearance"
    # What the record must show is read (with consent), not only that a record exists.
    assert FieldRequest("tax", "outstanding_tax") in records.asked
    assert FieldRequest("tax", "unverified_invoices") in records.asked


async def test_a_tax_record_showing_nothing_owed_proves_the_tax_clearance_certificate(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path
) -> None:
    needs, _ = await _deregistration_needs(sessions, settings, tmp_path, CLEARED)
    assert needs["tax-clearance"].proof == "record:tax"


async def test_the_babys_household_register_is_not_proven_by_the_parents_register(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path
) -> None:
    # The parent's population record and e-register say nothing of a baby not yet registered.
    records = Records({
        "population": {"name": "张伟", "household_head": "张伟", "relation_to_head": "户主"},
        "birth-medical": {"child_name": "张小满", "mother_name": "李娜"},
    })  # fmt: skip
    async with sessions() as db, db.begin():
        drafts, materials = _services(db, settings, tmp_path, records)
        person = await find_or_create_by_phone(db, _protector(settings), new_phone())
        needs = await _needs_after_consent(
            db, drafts, materials, person, "newborn",
            {"birth_certificate": ["issued"], "household": ["local"],
             "maternity_insurance": ["no"]},
        )  # fmt: skip
    # The parent's register (for the birth registration) is proven by the parent's record …
    assert needs["household-register"].matters == ["household-birth-registration"]
    assert needs["household-register"].proof == "record:population"
    # … the baby's (for the social security card) only by the birth registration's result.
    baby = needs["newborn-household-register"]
    assert baby.matters == ["newborn-social-security-card"]
    assert baby.proof == "result:household-birth-registration"
