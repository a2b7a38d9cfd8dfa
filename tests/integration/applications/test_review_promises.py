"""The review promises only what the service does (issue 20, item 8).

An optional material left out is not "to follow on your commitment" (承诺后补): nothing is
promised for it and nothing waits for it. And the written commitment says what happens while
promised materials are outstanding: the items that need them wait (and are suspended when
late), the others go ahead and issue their results — not that every result is withheld.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.applications.context import Clock
from app.catalog.engine import merged_form
from app.catalog.loader import default_catalog
from app.composition.build import create_engine
from app.config import Settings
from app.identity.persons import find_or_create_by_phone
from tests.conftest import sign_in_as
from tests.integration.application_support import (
    PDF,
    Desk,
    at,
    engine_sessionmaker,
    new_phone,
)
from tests.integration.applications.test_material_proofs import (
    Records,
    _protector,
    _services,
    sessions,
)

__all__ = ["sessions"]  # the fixture, shared with the proofs' tests

Client = AsyncTestClient[Litestar]
SAMPLE = {"date": "2026-11-10", "id-number": "11010519491231002X", "phone": "13800138000",
          "number": "1", "money": "100", "credit-code": "91350100M000100Y43"}  # fmt: skip
EN = {"Accept-Language": "en"}


@pytest.fixture
async def desk(settings: Settings, tmp_path: Path) -> AsyncIterator[Desk]:
    engine = create_engine(settings)
    clock = Clock(at(date(2026, 11, 23)))
    yield Desk(engine_sessionmaker(engine), _protector(settings), tmp_path / "files", clock)
    await engine.dispose()


async def _retirement_at_review(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tmp_path: Path, phone: str
) -> str:
    """退休一件事 at its review, every required material given, the optional ones not."""
    catalog = default_catalog().catalog
    async with sessions() as db, db.begin():
        drafts, materials = _services(db, settings, tmp_path, Records({}))
        person = await find_or_create_by_phone(db, _protector(settings), phone)
        draft = await drafts.start(person, "retirement", enterprise_id=None)
        answers = {"employee_medical": ["yes"], "housing_fund": ["no"], "card": ["ready"]}
        await drafts.answer(draft, answers, [])
        await drafts.acknowledge_notice(draft)
        await drafts.decline_consent(draft)
        values = {}
        for group in merged_form(catalog, drafts.selection(draft).selected_codes):
            for item in group.fields:
                field = item.definition
                values[field.key] = (
                    field.options[0].value if field.options else SAMPLE.get(field.kind, "张三")
                )
        await drafts.save_values(draft, values, complete=True)
        for need in await materials.needs(draft):
            if need.missing:
                await materials.upload(draft, need.material.code, "scan.pdf", PDF)
        await materials.finish(draft)
        return str(draft.id)


async def test_an_optional_material_left_out_is_not_promised_to_follow(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings,
    tmp_path: Path,
) -> None:  # fmt: skip
    phone = new_phone()
    draft_id = await _retirement_at_review(sessions, settings, tmp_path, phone)
    await sign_in_as(client, phone)
    review = await client.get(f"/me/drafts/{draft_id}/review", headers=EN)
    assert review.status_code == 200, review.text
    materials = re.search(r'id="rv-materials".*?</section>', review.text, re.S)
    assert materials is not None
    listed = materials.group(0)
    assert "to follow on your commitment" not in listed
    # The personnel file and the proof of deemed years may follow (容缺) when they apply, the
    # special-job proof not; all three are for some applicants only: not given, not promised.
    assert listed.count("not provided: only needed where it applies to you") == 3
    assert 'name="commitment"' not in review.text  # nothing follows: no commitment asked
    zh = await client.get(f"/me/drafts/{draft_id}/review")
    assert "承诺后补" not in zh.text


async def test_the_commitment_says_what_happens_while_materials_are_outstanding(
    apps: Client, desk: Desk
) -> None:
    phone = new_phone()
    person = await desk.person(phone)
    draft = await desk.draft(person, uploads=("birth-proof",))  # the photo follows later
    await sign_in_as(apps, phone)
    review = await apps.get(f"/me/drafts/{draft.id}/review", headers=EN)
    assert 'name="commitment"' in review.text
    assert "results are withheld until they arrive" not in review.text
    assert "within 5 working days of the application's acceptance" in review.text
    assert "the other items go ahead, and their results are issued" in review.text
    zh = await apps.get(f"/me/drafts/{draft.id}/review")
    assert "补齐前不发放办理结果" not in zh.text
    assert "5个工作日内" in zh.text
