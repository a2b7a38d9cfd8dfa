"""Materials and the review of a draft through ``/mp/v1``: the page's services and rules."""

from __future__ import annotations

import io
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from app.composition.runtime import Runtime
from tests.conftest import in_app
from tests.integration.application_support import BUNDLE, PDF, assert_downloaded, new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer

Client = AsyncTestClient[Litestar]


async def _draft_at_materials(client: Client, auth: dict[str, str]) -> str:
    """A draft of the test bundle, its form complete: at the materials step."""
    started = await client.post("/mp/v1/drafts", json={"bundleCode": BUNDLE}, headers=auth)
    assert started.status_code == 201, started.text
    base = f"/mp/v1/drafts/{started.json()['id']}"
    assert (await client.put(f"{base}/answers", json={"answers": {}}, headers=auth)).is_success
    assert (await client.post(f"{base}/notice/acknowledge", headers=auth)).is_success
    values = {"applicant.name": "张三", "child.name": "张小宝"}
    saved = await client.patch(f"{base}/values", json={"values": values, "complete": True},
                               headers=auth)  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert (await client.get(base, headers=auth)).json()["stage"] == "materials"
    return base


def _photo_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "PhoneCamera 1.0"  # Software
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_a_resident_uploads_materials_and_reaches_the_review_through_the_api(
    apps: Client,
) -> None:
    auth = await bearer(apps, new_phone())
    base = await _draft_at_materials(apps, auth)
    listed = await apps.get(f"{base}/materials", headers=auth)
    assert listed.status_code == 200, listed.text
    needs = {m["code"]: m for m in listed.json()["materials"]}
    assert set(needs) == {"birth-proof", "photo"}  # asked by two matters: listed once
    assert sorted(needs["birth-proof"]["matters"]) == ["certificate", "household"]
    assert needs["birth-proof"]["missing"] is True
    assert needs["photo"]["mayDefer"] is True
    assert needs["photo"]["missing"] is False

    early = await apps.post(f"{base}/review", headers=auth)
    assert early.status_code == 422
    assert [e["field"] for e in early.json()["errors"]] == ["material:birth-proof"]

    exe = {"file": ("x.exe", b"MZ\x90\x00", "application/octet-stream")}
    bad = await apps.post(f"{base}/materials/birth-proof", headers=auth, files=exe)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "material:birth-proof"
    empty = await apps.post(f"{base}/materials/birth-proof", headers=auth,
                            files={"file": ("a.pdf", b"", "application/pdf")})  # fmt: skip
    assert empty.status_code == 422
    unknown = await apps.post(f"{base}/materials/passport", headers=auth,
                              files={"file": ("a.pdf", PDF, "application/pdf")})  # fmt: skip
    assert unknown.status_code == 422

    jpeg = {"file": ("我的 照片.jpg", _photo_with_exif(), "image/jpeg")}
    photo = await apps.post(f"{base}/materials/photo", headers=auth, files=jpeg)
    assert photo.status_code == 201, photo.text
    assert photo.json()["contentType"] == "image/jpeg"
    stored = await apps.get(f"{base}/uploads/{photo.json()['id']}", headers=auth)
    assert_downloaded(stored)
    assert Image.open(io.BytesIO(stored.content)).getexif() == {}  # cleaned: no metadata
    await _sealed_at_rest(apps, photo.json()["id"])
    removed = await apps.delete(f"{base}/uploads/{photo.json()['id']}", headers=auth)
    assert removed.status_code == 204
    gone = await apps.get(f"{base}/uploads/{photo.json()['id']}", headers=auth)
    assert gone.status_code == 404

    proof = await apps.post(f"{base}/materials/birth-proof", headers=auth,
                            files={"file": ("proof.pdf", PDF, "application/pdf")})  # fmt: skip
    assert proof.status_code == 201, proof.text
    assert (await apps.get(f"{base}/review", headers=auth)).status_code == 422  # not yet
    done = await apps.post(f"{base}/review", headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["stage"] == "review"
    review = await apps.get(f"{base}/review", headers=auth)
    assert review.status_code == 200, review.text
    body = review.json()
    assert body["toFollow"] == ["photo"]
    assert body["commitmentNeeded"] is True
    assert "electronic" in body["deliveries"]
    values = {f["key"]: f["value"] for g in body["form"]["groups"] for f in g["fields"]}
    assert values["child.name"] == "张小宝"
    assert [u["filename"] for m in body["materials"] for u in m["uploads"]] == ["proof.pdf"]


async def _sealed_at_rest(client: Client, upload_id: str) -> None:
    runtime: Runtime = client.app.state.runtime

    async def raw() -> bytes:
        from uuid import UUID

        from app.applications.models import DraftUpload

        async with runtime.sessionmaker() as db:
            upload = await db.get(DraftUpload, UUID(upload_id))
            assert upload is not None
            return (runtime.settings.var_dir / "files" / upload.storage_key).read_bytes()

    assert (await in_app(client, raw)).startswith(b"b1.")


async def test_another_persons_draft_materials_answer_404(apps: Client) -> None:
    mine = await bearer(apps, new_phone())
    base = await _draft_at_materials(apps, mine)
    proof = await apps.post(f"{base}/materials/birth-proof", headers=mine,
                            files={"file": ("proof.pdf", PDF, "application/pdf")})  # fmt: skip
    upload = f"{base}/uploads/{proof.json()['id']}"
    theirs = await bearer(apps, new_phone())
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"{base}/materials", {}),
        ("POST", f"{base}/materials/birth-proof",
         {"files": {"file": ("p.pdf", PDF, "application/pdf")}}),
        ("GET", upload, {}), ("DELETE", upload, {}),
        ("POST", f"{base}/review", {}), ("GET", f"{base}/review", {}),
    ]  # fmt: skip
    for method, path, extra in calls:
        answer = await apps.request(method, path, headers=theirs, **extra)
        assert answer.status_code == 404, (method, path, answer.text)
    assert (await apps.get(upload, headers=mine)).status_code == 200
