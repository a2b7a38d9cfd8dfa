"""The bad-input corpus (issue 9): each input gets a clear 4xx and changes nothing.

Text and JSON go through the mini-program API (problem details), files through the pages
(the form shown again with its message). Every case then checks that nothing was stored.
"""

from __future__ import annotations

import io
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import func, select

from app.applications.models import DraftUpload
from app.commands.registry import register_enterprise
from app.composition.runtime import Runtime
from app.errors import RuleViolation
from app.text_input import INVISIBLE
from tests.conftest import csrf_token, in_app
from tests.integration.application_support import PDF, assert_downloaded
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.routes.test_application_pages import _resident_with_draft
from tests.integration.staff_support import create_staff, new_username, sign_in_staff
from tests.integration.wallet_support import new_phone

Client = AsyncTestClient[Litestar]

TEXT_CORPUS = {
    "NUL": "张\x00三",
    "escape sequence": "张三\x1b[31m",
    "right-to-left override": "张三\u202egpj.exe",
    "left-to-right isolate": "张\u2066三",
    "byte order mark": "\ufeff张三",
    "10,000 characters": "张" * 10_000,
}
BAD_ID_NUMBERS = {
    "wrong check character": "110101199003071234",
    "too short": "11010119900307123",
    "letters": "ABCDEFGHIJKLMNOPQR",
    "impossible date": "110101199013321235",
}


async def _form_draft(client: Client) -> tuple[str, dict[str, str], dict[str, str]]:
    """A newborn draft at its form, through the API; (base url, headers, field kinds)."""
    auth = await bearer(client, new_phone())
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "newborn"}, headers=auth)
    base = f"/mp/v1/drafts/{started.json()['id']}"
    answers = {"birth_certificate": ["pending"], "household": ["local"],
               "maternity_insurance": ["no"]}  # fmt: skip
    assert (await client.put(f"{base}/answers", json={"answers": answers}, headers=auth)).is_success
    await client.post(f"{base}/notice/acknowledge", headers=auth)
    await client.post(f"{base}/consent", json={"agree": False}, headers=auth)
    form = (await client.get(f"{base}/form", headers=auth)).json()
    kinds = {f["key"]: f["kind"] for g in form["groups"] for f in g["fields"]}
    return base, auth, kinds


async def _values(client: Client, base: str, auth: dict[str, str]) -> dict[str, Any]:
    form = (await client.get(f"{base}/form", headers=auth)).json()
    return {f["key"]: f["value"] for g in form["groups"] for f in g["fields"]}


def _is_problem(answer: Any, *statuses: int) -> None:
    assert answer.status_code in statuses, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["title"]


async def test_hostile_text_is_refused_field_by_field_and_nothing_is_saved(
    client: Client,
) -> None:
    base, auth, kinds = await _form_draft(client)
    assert kinds["child.name"] == "text"
    before = await _values(client, base, auth)
    for case, text in TEXT_CORPUS.items():
        answer = await client.patch(f"{base}/values", json={"values": {"child.name": text}},
                                    headers=auth)  # fmt: skip
        _is_problem(answer, 422)
        assert [e["field"] for e in answer.json()["errors"]] == ["child.name"], case
    ids = [key for key, kind in kinds.items() if kind == "id-number"]
    for case, number in BAD_ID_NUMBERS.items():
        answer = await client.patch(f"{base}/values", json={"values": {ids[0]: number}},
                                    headers=auth)  # fmt: skip
        _is_problem(answer, 422)
        assert answer.json()["errors"][0]["field"] == ids[0], case
    assert await _values(client, base, auth) == before


async def test_hostile_json_gets_a_problem_not_a_crash(client: Client) -> None:
    base, auth, _ = await _form_draft(client)
    before = await _values(client, base, auth)
    headers = auth | {"Content-Type": "application/json"}
    nested = '{"values": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _is_problem(await client.patch(f"{base}/values", content=nested, headers=headers), 400)
    many = {f"field{i}": "x" for i in range(100_000)}  # 2 MB: under the body limit
    _is_problem(await client.patch(f"{base}/values", json={"values": many}, headers=auth), 400)
    _is_problem(await client.patch(f"{base}/values", content="{", headers=headers), 400)
    _is_problem(await client.patch(f"{base}/values", content=b"\xff\xfe{}", headers=headers), 400)
    oversized = b'{"values": {"a": "' + b"x" * (11 * 1024 * 1024) + b'"}}'
    _is_problem(await client.patch(f"{base}/values", content=oversized, headers=headers), 413)
    assert await _values(client, base, auth) == before


def _bomb() -> bytes:
    """A PNG of a few hundred bytes whose header claims 20000 x 20000 pixels."""
    image = io.BytesIO()
    Image.new("1", (1, 1)).save(image, format="PNG")
    data = bytearray(image.getvalue())
    # IHDR's width and height, then its CRC over type + data.
    data[16:24] = (20000).to_bytes(4, "big") * 2
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("bomb.png", _bomb(), "image/png"),
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("scan.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"),
        ("empty.jpg", b"", "image/jpeg"),
    ],
)
async def test_a_file_that_is_not_what_it_claims_is_refused_and_not_stored(
    apps: Client, name: str, content: bytes, kind: str
) -> None:
    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    tracemalloc.start()
    try:
        answer = await apps.post(
            f"/me/drafts/{draft.id}/materials/photo",
            files={"file": (name, content, kind)},
            data={"_csrf_token": await csrf_token(apps)},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text or "field-error" in answer.text
    assert peak < 64 * 1024 * 1024, f"{peak} bytes: the image was decoded"
    assert await _uploads(apps, draft.id) == 1  # the birth proof sent before


# A PDF whose opening action runs JavaScript: a PDF is kept as sent, so it must never be shown.
SCRIPTED_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction 2 0 R>>endobj\n"
                b"2 0 obj<</S/JavaScript/JS(app.alert(document.cookie))>>endobj\n"
                b"trailer<</Root 1 0 R>>\n%%EOF\n")  # fmt: skip


async def test_a_pdf_with_javascript_is_only_ever_served_as_a_download(apps: Client) -> None:
    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    sent = await apps.post(
        f"/me/drafts/{draft.id}/materials/photo",
        files={"file": ("scan.pdf", SCRIPTED_PDF, "application/pdf")},
        data={"_csrf_token": await csrf_token(apps)}, follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303, sent.text[:300]
    runtime: Runtime = apps.app.state.runtime

    async def newest() -> Any:
        async with runtime.sessionmaker() as db:
            return await db.scalar(
                select(DraftUpload.id).where(DraftUpload.draft_id == draft.id)
                .order_by(DraftUpload.created_at.desc()).limit(1)
            )  # fmt: skip

    served = await apps.get(f"/me/drafts/{draft.id}/uploads/{await in_app(apps, newest)}")
    assert served.content == SCRIPTED_PDF
    assert_downloaded(served)
    assert served.headers["content-disposition"] == 'attachment; filename="material.pdf"'


async def test_path_tricks_in_a_file_name_stay_inside_storage(apps: Client) -> None:
    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    runtime: Runtime = apps.app.state.runtime
    files = runtime.settings.var_dir / "files"
    before = _all_files(runtime.settings.var_dir.parent)
    for name in ("../../../../etc/passwd.pdf", "..\\..\\win.ini.pdf", "/abs/path.pdf",
                 "a\x00b.pdf", "\u202efdp.exe"):  # fmt: skip
        answer = await apps.post(
            f"/me/drafts/{draft.id}/materials/photo",
            files={"file": (name, PDF, "application/pdf")},
            data={"_csrf_token": await csrf_token(apps)}, follow_redirects=False,
        )  # fmt: skip
        assert answer.status_code == 303, answer.text[:300]
        page = await apps.get(f"/me/drafts/{draft.id}/materials")
        assert "../" not in page.text
        assert "..\\" not in page.text
        assert "\u202e" not in page.text
    created = _all_files(runtime.settings.var_dir.parent) - before
    assert created
    assert all(path.is_relative_to(files) for path in created), created


async def _uploads(client: Client, draft_id: Any) -> int:
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            found = await db.scalar(
                select(func.count())
                .select_from(DraftUpload)
                .where(DraftUpload.draft_id == draft_id)
            )
            return int(found or 0)

    return await in_app(client, count)


def _all_files(root: Path) -> set[Path]:
    return {path.resolve() for path in root.rglob("*") if path.is_file()}


async def test_staff_typed_names_are_held_to_the_typed_text_rule(client: Client) -> None:
    """Staff display names (admin page) and enterprise names (operator) refuse hidden characters."""
    admin = await create_staff(client, role="administrator")
    await sign_in_staff(client, admin.username)
    hidden = {case: text for case, text in TEXT_CORPUS.items() if len(text) < 100}
    for case, text in hidden.items():
        username = new_username()
        refused = await client.post(
            "/staff/admin/staff",
            data={"username": username, "display_name": text, "role": "window_clerk",
                  "_csrf_token": await csrf_token(client)},
            headers={"Accept-Language": "en"},
        )  # fmt: skip
        assert refused.status_code == 422, case
        assert "invisible control characters" in refused.text, case
        assert username not in (await client.get("/staff/admin/staff")).text, case

    runtime: Runtime = client.app.state.runtime
    for case, text in hidden.items():
        with pytest.raises(RuleViolation) as refused_name:
            await register_enterprise(
                runtime.settings, credit_code="91350100M000100Y43", name=f"长沙{text}有限公司",
                legal_representative_phone=new_phone(),
            )  # fmt: skip
        assert refused_name.value.fields == {"name": INVISIBLE}, case
