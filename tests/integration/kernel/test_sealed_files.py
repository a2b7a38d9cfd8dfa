"""Uploaded materials are sealed at rest and served back in clear only to those entitled."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import os
import secrets
import sys
import uuid
from pathlib import Path

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import select

from app.applications.context import Clock
from app.applications.models import Draft, DraftUpload
from app.composition.build import protector_for
from app.composition.runtime import Runtime
from app.sealed_files import SealedFiles, reseal_files, seal_clear_files
from app.storage import LocalFileStorage
from tests.conftest import in_app, make_settings, sign_in_as
from tests.integration.application_support import BUNDLE, Desk, assert_downloaded
from tests.integration.records_support import new_phone

Client = AsyncTestClient[Litestar]


def _pdf(marker: str) -> bytes:
    """A PDF whose text holds ``marker`` (stands for a personal number printed on a scan)."""
    return f"%PDF-1.4\n1 0 obj<</Title ({marker})>>endobj\ntrailer<<>>\n%%EOF\n".encode()


def _photo_with_exif(marker: str) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = marker  # ImageDescription: metadata the cleaning must drop
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _desk(client: Client) -> Desk:
    runtime: Runtime = client.app.state.runtime
    return Desk(
        runtime.sessionmaker, runtime.protector, runtime.settings.var_dir / "files", Clock()
    )


def _files_dir(client: Client) -> Path:
    runtime: Runtime = client.app.state.runtime
    return runtime.settings.var_dir / "files"


async def _draft_with(client: Client, phone: str, files: dict[str, bytes]) -> Draft:
    """A signed-in resident's draft at its materials, with ``files`` uploaded by material."""
    desk = _desk(client)
    await sign_in_as(client, phone)
    person = await in_app(client, desk.person, phone)

    async def make() -> Draft:
        async with desk.context() as ctx:
            drafts, materials = desk.services(ctx)
            draft = await drafts.start(person, BUNDLE, enterprise_id=None)
            await drafts.answer(draft, {}, [])
            await drafts.acknowledge_notice(draft)
            await drafts.save_values(
                draft, {"applicant.name": "张三", "child.name": "张小宝"}, complete=True
            )
            for code, data in files.items():
                await materials.upload(draft, code, f"{code}.bin", data)
            return draft

    return await in_app(client, make)


async def _uploads(client: Client, draft: Draft) -> dict[str, DraftUpload]:
    runtime: Runtime = client.app.state.runtime

    async def read() -> dict[str, DraftUpload]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(select(DraftUpload).where(DraftUpload.draft_id == draft.id))
            return {u.material_code: u for u in rows}

    return await in_app(client, read)


async def test_an_upload_is_sealed_on_disk_and_served_back_as_cleaned_to_its_owner_only(
    client: Client,
) -> None:
    marker = uuid.uuid4().hex
    pdf, photo = _pdf(marker), _photo_with_exif(marker)
    phone = new_phone()
    draft = await _draft_with(client, phone, {"birth-proof": pdf, "photo": photo})
    uploads = await _uploads(client, draft)

    for upload in uploads.values():
        on_disk = (_files_dir(client) / upload.storage_key).read_bytes()
        assert on_disk.startswith(b"b1.")
        assert b"%PDF" not in on_disk
        assert b"\xff\xd8\xff" not in on_disk
        assert marker.encode() not in on_disk
        assert base64.b64encode(marker.encode()) not in on_disk

    served = await client.get(f"/me/drafts/{draft.id}/uploads/{uploads['birth-proof'].id}")
    assert_downloaded(served)
    assert served.content == pdf  # a PDF is kept as sent
    image = await client.get(f"/me/drafts/{draft.id}/uploads/{uploads['photo'].id}")
    assert image.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(image.content).hexdigest() == uploads["photo"].sha256
    assert marker.encode() not in image.content  # the EXIF went with the cleaning

    await sign_in_as(client, new_phone())
    other = await client.get(f"/me/drafts/{draft.id}/uploads/{uploads['photo'].id}")
    assert other.status_code == 404


async def test_a_legacy_clear_file_is_served_and_files_seal_seals_it_once(
    client: Client,
) -> None:
    marker = uuid.uuid4().hex
    phone = new_phone()
    draft = await _draft_with(client, phone, {"photo": _photo_with_exif(marker)})
    legacy = _pdf(marker)
    runtime: Runtime = client.app.state.runtime
    plain = LocalFileStorage(_files_dir(client))

    async def add_legacy() -> DraftUpload:
        # As an upload was stored before sealing: the bytes in clear.
        key = f"uploads/{uuid.uuid4()}"
        await plain.put(key, legacy)
        async with runtime.sessionmaker() as db, db.begin():
            upload = DraftUpload(
                draft_id=draft.id, material_code="birth-proof", filename="old.pdf",
                content_type="application/pdf", size=len(legacy),
                sha256=hashlib.sha256(legacy).hexdigest(), storage_key=key,
            )  # fmt: skip
            db.add(upload)
        return upload

    upload = await in_app(client, add_legacy)
    url = f"/me/drafts/{draft.id}/uploads/{upload.id}"
    assert (await client.get(url)).content == legacy

    env = {**os.environ, "ONETHING_VAR_DIR": str(runtime.settings.var_dir)}
    first = await _files_seal(env)
    assert "sealed 1 of 2 stored file(s)" in first, first
    on_disk = (_files_dir(client) / upload.storage_key).read_bytes()
    assert on_disk.startswith(b"b1.")
    assert marker.encode() not in on_disk
    assert "sealed 0 of 2 stored file(s)" in await _files_seal(env)
    assert (await client.get(url)).content == legacy


async def _files_seal(env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "files", "seal", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


async def test_key_rotation_reseals_files_under_the_active_key_once(tmp_path: Path) -> None:
    k1, k2, index = _key(), _key(), _key()
    before = make_settings(tmp_path / "var", data_keys=f"k1:{k1},index:{index}")
    after = msgspec.structs.replace(before, data_keys=f"k2:{k2},k1:{k1},index:{index}")
    lost = msgspec.structs.replace(before, data_keys=f"k3:{_key()},index:{index}")
    storage = LocalFileStorage(tmp_path / "files")
    key, evidence = f"uploads/{uuid.uuid4()}", f"evidence/{uuid.uuid4()}"
    content, signature = _pdf(uuid.uuid4().hex), _pdf(uuid.uuid4().hex)
    await SealedFiles(storage, protector_for(before)).put(key, content)
    assert (await storage.get(key)).startswith(b"b1.k1.")
    # In-person evidence as it was sealed before SealedFiles: the protector's text format.
    text = protector_for(before).seal(base64.b64encode(signature).decode(), context=evidence)
    await storage.put(evidence, text.encode())
    assert await SealedFiles(storage, protector_for(before)).get(evidence) == signature

    unreadable = await reseal_files(SealedFiles(storage, protector_for(lost)), storage)
    assert (unreadable.changed, unreadable.unreadable) == (0, 2)

    rotated = SealedFiles(storage, protector_for(after))
    report = await reseal_files(rotated, storage)
    assert (report.examined, report.changed, report.unreadable) == (2, 2, 0)
    assert (await storage.get(key)).startswith(b"b1.k2.")
    assert (await storage.get(evidence)).startswith(b"b1.k2.")
    assert await rotated.get(key) == content
    assert await rotated.get(evidence) == signature
    again = await reseal_files(rotated, storage)
    assert (again.changed, again.unreadable) == (0, 0)
    assert (await seal_clear_files(rotated, storage)).changed == 0  # nothing was clear


async def test_a_sealed_file_moved_under_another_key_does_not_open(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "var", data_keys=f"k1:{_key()},index:{_key()}")
    storage = LocalFileStorage(tmp_path / "files")
    files = SealedFiles(storage, protector_for(settings))
    first, second = f"uploads/{uuid.uuid4()}", f"uploads/{uuid.uuid4()}"
    await files.put(first, _pdf(uuid.uuid4().hex))
    await storage.put(second, await storage.get(first))  # copied under another person's key
    try:
        await files.get(second)
    except ValueError:  # ProtectionError
        return
    raise AssertionError("a sealed file opened under another key")
