"""Discarding a draft, choosing its matters and reporting a pre-filled value through ``/mp/v1``."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.application_support import PDF, new_phone
from tests.integration.miniprogram_api.test_mp_draft_materials import _draft_at_materials
from tests.integration.miniprogram_api.test_mp_drafts import bearer

Client = AsyncTestClient[Litestar]
OPTIONAL = "bank-account-appointment"  # 企业开办's optional matter


async def test_a_draft_is_discarded_with_its_files_and_only_by_its_owner(apps: Client) -> None:
    auth = await bearer(apps, new_phone())
    base = await _draft_at_materials(apps, auth)
    uploaded = await apps.post(f"{base}/materials/birth-proof", headers=auth,
                                 files={"file": ("proof.pdf", PDF, "application/pdf")})  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    other = await bearer(apps, new_phone())
    assert (await apps.delete(base, headers=other)).status_code == 404

    assert (await apps.delete(base, headers=auth)).status_code == 204
    assert (await apps.get(base, headers=auth)).status_code == 404
    file = await apps.get(f"{base}/uploads/{uploaded.json()['id']}", headers=auth)
    assert file.status_code == 404
    assert (await apps.delete(base, headers=auth)).status_code == 404
    assert base.rsplit("/", 1)[1] not in (await apps.get("/mp/v1/drafts", headers=auth)).text


async def test_optional_matters_are_left_out_and_brought_back_keeping_the_answers(
    client: Client,
) -> None:
    auth = await bearer(client, new_phone())
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "business-startup"},
                                headers=auth)  # fmt: skip
    base = f"/mp/v1/drafts/{started.json()['id']}"
    early = await client.put(f"{base}/matters", json={"deselected": [OPTIONAL]}, headers=auth)
    assert (early.status_code, early.json()["code"]) == (422, "draft_step_missing")
    answers = {"employees": ["no"], "invoices": ["yes"]}
    answered = await client.put(f"{base}/answers", json={"answers": answers}, headers=auth)
    assert OPTIONAL in answered.json()["selected"]

    left_out = await client.put(f"{base}/matters", json={"deselected": [OPTIONAL]}, headers=auth)
    assert left_out.status_code == 200, left_out.text
    assert OPTIONAL not in left_out.json()["selected"]
    assert left_out.json()["deselected"] == [OPTIONAL]
    assert left_out.json()["answers"] == answers
    back = await client.put(f"{base}/matters", json={"deselected": []}, headers=auth)
    assert OPTIONAL in back.json()["selected"]
    keep = {"deselected": ["enterprise-establishment"]}
    required = await client.put(f"{base}/matters", json=keep, headers=auth)
    assert required.status_code == 422
    assert OPTIONAL in (await client.get(base, headers=auth)).json()["selected"]  # unchanged


async def test_only_a_value_a_record_filled_can_be_reported(apps: Client) -> None:
    auth = await bearer(apps, new_phone())
    base = await _draft_at_materials(apps, auth)  # typed by hand: no record filled anything
    target = await apps.get(f"{base}/corrections", params={"field": "applicant.name"},
                              headers=auth)  # fmt: skip
    assert (target.status_code, target.json()["code"]) == (404, "not_found")
    report = await apps.post(f"{base}/corrections", headers=auth,
                               json={"field": "applicant.name", "note": "错了"})  # fmt: skip
    assert report.status_code == 404
    missing = await apps.get(f"{base}/corrections", headers=auth)
    assert (missing.status_code, missing.json()["code"]) == (400, "validation_failed")
