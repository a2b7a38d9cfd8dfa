"""Every fully modelled bundle, steps 1–5 through the mini-program API, with records read.

Each test makes its own resident (and enterprise) with its own record file, since the test
database is shared and an ID number belongs to one account only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.applications.models import Draft
from app.catalog.loader import default_catalog
from app.composition.runtime import Runtime
from app.enterprises.service import EnterpriseService
from app.wallet.service import Holder
from tests.conftest import in_app
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.records_support import (
    new_credit_code,
    new_id_number,
    new_phone,
    records_everywhere,
    resident,
)
from tests.integration.wallet_support import issue

Client = AsyncTestClient[Litestar]
MODELLED = [code for code, b in default_catalog().catalog.bundles.items() if b.modelled]
SAMPLES = {
    "date": "2026-11-10",
    "id-number": "11010519491231002X",
    "phone": "13800138000",
    "credit-code": "91350100M000100Y43",
    "number": "12",
    "money": "1000",
    "boolean": "yes",
}


async def _applicant(client: Client, tmp_path: Path, audience: str) -> dict[str, str]:
    runtime: Runtime = client.app.state.runtime
    phone, id_number, credit_code = new_phone(), new_id_number(), new_credit_code()

    async def make() -> str | None:
        async with runtime.sessionmaker() as db, db.begin():
            await resident(db, runtime.protector, phone=phone, id_number=id_number)
            if audience != "enterprise":
                return None
            service = EnterpriseService(db, protector=runtime.protector)
            found = await service.register_from_registry(credit_code, "测试企业有限公司", phone)
            return str(found.id)

    enterprise_id = await in_app(client, make)
    runtime.records = records_everywhere(tmp_path / "records", id_number, credit_code)
    headers = await bearer(client, phone)
    if enterprise_id:
        headers["X-Acting-For"] = enterprise_id
    return headers


def _answers(detail: dict[str, Any]) -> dict[str, list[str]]:
    # The first option of every question that shows, in order (a follow-up shows once the
    # answer it depends on is given).
    answers: dict[str, list[str]] = {}
    for question in detail["questions"]:
        shown = all(
            set(answers.get(c["question"], [])) & set(c["anyOf"]) for c in question["shownWhen"]
        )
        if shown:
            answers[question["key"]] = [question["options"][0]["value"]]
    return answers


@pytest.mark.parametrize("bundle", MODELLED)
async def test_a_bundle_goes_from_questions_to_a_complete_form_through_the_api(
    client: Client, tmp_path: Path, bundle: str
) -> None:
    detail = (await client.get(f"/mp/v1/catalog/bundles/{bundle}")).json()
    auth = await _applicant(client, tmp_path, detail["audience"])
    started = await client.post("/mp/v1/drafts", json={"bundleCode": bundle}, headers=auth)
    assert started.status_code == 201, started.text
    base = f"/mp/v1/drafts/{started.json()['id']}"
    answered = await client.put(f"{base}/answers", json={"answers": _answers(detail)},
                                headers=auth)  # fmt: skip
    assert answered.status_code == 200, answered.text
    notice = (await client.get(f"{base}/notice", headers=auth)).json()
    assert notice["matters"]
    assert notice["promisedDays"] <= notice["statutoryDays"]
    await client.post(f"{base}/notice/acknowledge", headers=auth)
    consent = await client.post(f"{base}/consent", json={"agree": True}, headers=auth)
    assert consent.status_code == 200, consent.text
    form = (await client.get(f"{base}/form", headers=auth)).json()
    fields = [f for g in form["groups"] for f in g["fields"]]
    assert len({f["key"] for f in fields}) == len(fields), "each field once"
    prefilled = [f for f in fields if f["readOnly"]]
    assert prefilled, "the records filled some fields"
    assert all(f["source"]["asOf"] == "2026-11-01" for f in prefilled)
    typed = {
        f["key"]: (f["options"][0]["value"] if f["options"] else SAMPLES.get(f["kind"], "示例"))
        for f in fields
        if not f["readOnly"]
    }
    done = await client.patch(f"{base}/values", json={"values": typed, "complete": True},
                              headers=auth)  # fmt: skip
    assert done.status_code == 200, done.text
    draft = (await client.get(base, headers=auth)).json()
    assert draft["stage"] == "materials"
    # The draft is listed where it was started: under the enterprise acted for, else the person.
    listed = (await client.get("/mp/v1/drafts", headers=auth)).json()["drafts"]
    assert [d["stage"] for d in listed if d["id"] == started.json()["id"]] == ["materials"]
    if "X-Acting-For" in auth:
        personal = await client.get(
            "/mp/v1/drafts", headers={"Authorization": auth["Authorization"]}
        )
        assert started.json()["id"] not in {d["id"] for d in personal.json()["drafts"]}


async def test_acting_for_an_enterprise_one_is_not_a_member_of_is_404(
    client: Client, tmp_path: Path
) -> None:
    auth = await _applicant(client, tmp_path, "enterprise")
    stranger = await bearer(client, new_phone())
    stranger["X-Acting-For"] = auth["X-Acting-For"]
    refused = await client.post(
        "/mp/v1/drafts", json={"bundleCode": "enterprise-deregistration"}, headers=stranger
    )
    assert refused.status_code == 404
    as_person = await client.post(
        "/mp/v1/drafts", json={"bundleCode": "enterprise-deregistration"},
        headers={"Authorization": stranger["Authorization"]},
    )  # fmt: skip
    assert as_person.status_code == 422


async def test_a_material_an_e_license_in_the_wallet_proves_is_not_asked_for(
    client: Client, tmp_path: Path
) -> None:
    detail = (await client.get("/mp/v1/catalog/bundles/disability-services")).json()
    auth = await _applicant(client, tmp_path, "person")

    def proven(notice: dict[str, Any]) -> set[str]:
        return {m["code"] for i in notice["matters"] for m in i["materials"] if m["proven"]}

    started = await client.post("/mp/v1/drafts", json={"bundleCode": "disability-services"},
                                headers=auth)  # fmt: skip
    base = f"/mp/v1/drafts/{started.json()['id']}"
    await client.put(f"{base}/answers", json={"answers": _answers(detail)}, headers=auth)
    before = proven((await client.get(f"{base}/notice", headers=auth)).json())
    runtime: Runtime = client.app.state.runtime
    draft_id = UUID(started.json()["id"])

    async def owner() -> UUID:
        async with runtime.sessionmaker() as db:
            found = await db.get(Draft, draft_id)
            assert found is not None
            return found.person_id

    person = await in_app(client, owner)
    await issue(client, Holder.person(person), "household-register",
                source_ref=f"test:proof:{person}")  # fmt: skip
    await client.put(f"{base}/answers", json={"answers": _answers(detail)}, headers=auth)
    after = proven((await client.get(f"{base}/notice", headers=auth)).json())
    assert after - before, "the household register in the wallet proves a material"


def test_a_broken_catalog_file_stops_start_up_naming_file_line_and_field(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from app.catalog.loader import DATA_DIR

    broken = tmp_path / "catalog"
    shutil.copytree(DATA_DIR, broken)
    target = broken / "matters" / "health.yaml"
    lines = target.read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if "promised_days:" in line)
    lines[number] = lines[number].split(":")[0] + ": soon"
    target.write_text("\n".join(lines), "utf-8")
    env = {"ONETHING_CATALOG_DIR": str(broken), "ONETHING_VAR_DIR": str(tmp_path / "var"),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    for command in ("catalog-check", "serve"):
        result = subprocess.run(
            [sys.executable, "-m", "app", command],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 2
        assert f"health.yaml:{number + 1}:" in result.stderr
        assert "promised_days" in result.stderr
