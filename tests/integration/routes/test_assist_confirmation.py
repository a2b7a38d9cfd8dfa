"""The two confirmations beside the texted code, through the pages: the resident scans the
tablet's QR with their own phone, or signs on the tablet while the worker photographs their
ID card and a supervisor checks later."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.assist.models import (
    Authorization,
    AuthorizationEvent,
    CheckStatus,
    InPersonConfirmation,
)
from app.audit.models import AuditEvent
from app.composition.runtime import Runtime
from app.notices.models import Notice
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.application_support import BUNDLE, assert_downloaded, new_phone
from tests.integration.routes.test_assist_pages import _post, _propose, _visit_with_worker
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
_TOKEN = re.compile(r"/me/authorizations/scan/([A-Za-z0-9_-]{43})")


def _png(*, drawn: bool = True, size: tuple[int, int] = (360, 120)) -> bytes:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if drawn:
        ImageDraw.Draw(image).line([(10, 90), (120, 20), (200, 100), (340, 30)], fill="black",
                                   width=4)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _jpeg(size: tuple[int, int] = (320, 200)) -> bytes:
    image = Image.new("RGB", size, (200, 220, 240))
    ImageDraw.Draw(image).rectangle([(20, 20), (120, 150)], fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


async def _in_person(apps: Client, url: str, **files: bytes) -> object:
    parts = {name: (f"{name}.bin", data, "application/octet-stream")
             for name, data in files.items()}  # fmt: skip
    return await apps.post(url, data={"_csrf_token": await csrf_token(apps)}, files=parts,
                           follow_redirects=False)  # fmt: skip


async def _load(apps: Client, authorization_id: str) -> tuple[Authorization, list[str]]:
    runtime: Runtime = apps.app.state.runtime

    async def load() -> tuple[Authorization, list[str]]:
        async with runtime.sessionmaker() as db:
            found = await db.get(Authorization, UUID(authorization_id))
            assert found is not None
            kinds = await db.scalars(
                select(AuthorizationEvent.kind)
                .where(AuthorizationEvent.authorization_id == found.id)
                .order_by(AuthorizationEvent.id)
            )
            return found, list(kinds)

    return await in_app(apps, load)


async def test_the_qr_confirms_once_on_the_principals_own_phone_and_nobody_elses(
    apps: Client,
) -> None:
    jars, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare")
    shown = await _post(apps, f"{visit}/authorizations/{authorization}/qr")
    assert shown.status_code == 200  # type: ignore[attr-defined]
    page = shown.text  # type: ignore[attr-defined]
    found = _TOKEN.search(page)
    assert found, page
    token = found.group(1)
    url = re.search(r'data-qr-url="([^"]+)"', page)
    assert url
    assert url.group(1).endswith(f"/me/authorizations/scan/{token}")
    assert re.search(r'<svg[^>]+role="img"', page), "the QR itself"
    status = f"{visit}/authorizations/{authorization}/status"
    waiting = await apps.get(status)
    assert waiting.status_code == 200
    assert "HX-Redirect" not in waiting.headers
    jars.keep("worker")

    # Another resident who scans it (or is handed the link) learns nothing and uses nothing.
    apps.cookies.clear()
    await sign_in_as(apps, new_phone())
    jars.keep("stranger")
    scan = f"/me/authorizations/scan/{token}"
    refused = await apps.get(scan)
    assert refused.status_code == 404
    assert "此二维码无法使用" in refused.text  # what to do, not whether the code exists
    assert (await _post(apps, scan)).status_code == 404  # type: ignore[attr-defined]
    assert (await apps.get("/me/authorizations/scan/not-a-token")).status_code == 404

    # Not signed in: sent to sign in, then back to the same page.
    apps.cookies.clear()
    anonymous = await apps.get(scan, follow_redirects=False)
    assert anonymous.status_code == 303
    assert "/sign-in" in anonymous.headers["location"]
    assert "scan" in anonymous.headers["location"]

    jars.be("resident")
    proposal = await apps.get(scan)
    assert proposal.status_code == 200
    assert "Test Clerk" in proposal.text  # the agent, in words
    assert "填写申请" in proposal.text  # what they may do, in words
    confirmed = await _post(apps, scan)
    assert confirmed.status_code == 303  # type: ignore[attr-defined]
    replay = await _post(apps, scan)  # the same code again: used
    assert replay.status_code == 404  # type: ignore[attr-defined]
    assert (await apps.get(scan)).status_code == 404

    jars.be("worker")
    moved_on = await apps.get(status, headers={"HX-Request": "true"})
    assert moved_on.headers.get("HX-Redirect") == visit
    stored, kinds = await _load(apps, authorization)
    assert stored.confirmed_by == "qr"
    assert kinds == ["granted", "confirmed"]
    assert (await _post(apps, f"{visit}/drafts", bundle=BUNDLE)).status_code == 303  # type: ignore[attr-defined]


async def test_an_expired_qr_code_is_refused_and_another_workers_visit_cannot_show_one(
    apps: Client,
) -> None:
    jars, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare")
    shown = await _post(apps, f"{visit}/authorizations/{authorization}/qr")
    found = _TOKEN.search(shown.text)  # type: ignore[attr-defined]
    assert found
    runtime: Runtime = apps.app.state.runtime
    key = f"onething:assist-qr:{found.group(1)}"

    async def expire() -> int:
        ttl = int(await runtime.redis.ttl(key))
        await runtime.redis.pexpire(key, 1)  # as if its 10 minutes had passed
        await asyncio.sleep(0.05)
        return ttl

    assert 0 < await in_app(apps, expire) <= 600
    jars.keep("worker")
    jars.be("resident")
    assert (await apps.get(f"/me/authorizations/scan/{found.group(1)}")).status_code == 404
    _, kinds = await _load(apps, authorization)
    assert kinds == ["granted"]

    apps.cookies.clear()
    other = await create_staff(apps, role="field_worker")
    await sign_in_staff(apps, other.username)
    refused = await _post(apps, f"{visit}/authorizations/{authorization}/qr")
    assert refused.status_code == 404  # type: ignore[attr-defined]
    assert (await apps.get(f"{visit}/authorizations/{authorization}/status")).status_code == 404


async def test_in_person_refuses_bad_signatures_and_photos_and_changes_nothing(
    apps: Client,
) -> None:
    _, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare")
    url = f"{visit}/authorizations/{authorization}/in-person"
    cases = [
        {"id_photo": _jpeg()},  # no signature
        {"signature": _png(drawn=False), "id_photo": _jpeg()},  # nothing drawn
        {"signature": _jpeg(), "id_photo": _jpeg()},  # not a PNG
        {"signature": _png() + b"\0" * (600 * 1024), "id_photo": _jpeg()},  # too large
        {"signature": _png(), "id_photo": b"not an image at all"},
        {"signature": _png(), "id_photo": b"%PDF-1.4 a document, not a photo"},
        {"signature": _png()},  # no photo
    ]
    for files in cases:
        refused = await _in_person(apps, url, **files)
        assert refused.status_code == 422, (list(files), refused.text)  # type: ignore[attr-defined]
        assert 'class="field-error"' in refused.text  # type: ignore[attr-defined]
    stored, kinds = await _load(apps, authorization)
    assert stored.confirmed_at is None
    assert kinds == ["granted"]
    assert (await _post(apps, f"{visit}/drafts", bundle=BUNDLE)).status_code == 404  # type: ignore[attr-defined]


async def test_in_person_is_usable_at_once_and_a_supervisors_rejection_ends_it_on_the_next_request(
    apps: Client, settings: object
) -> None:
    jars, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare", "submit")
    done = await _in_person(apps, f"{visit}/authorizations/{authorization}/in-person",
                            signature=_png(), id_photo=_jpeg())  # fmt: skip
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    page = await apps.get(visit)
    assert "pending supervisor check" in page.text or "待督办人员核验" in page.text, page.text
    started = await _post(apps, f"{visit}/drafts", bundle=BUNDLE)
    assert started.status_code == 303  # type: ignore[attr-defined]
    draft = started.headers["location"]  # type: ignore[attr-defined]
    again = await _in_person(apps, f"{visit}/authorizations/{authorization}/in-person",
                             signature=_png(), id_photo=_jpeg())  # fmt: skip
    assert again.status_code == 409  # type: ignore[attr-defined]
    jars.keep("worker")

    runtime: Runtime = apps.app.state.runtime

    async def evidence() -> InPersonConfirmation:
        async with runtime.sessionmaker() as db:
            row = await db.scalar(select(InPersonConfirmation).where(
                InPersonConfirmation.authorization_id == UUID(authorization)))  # fmt: skip
            assert row is not None
            return row

    row = await in_app(apps, evidence)
    stored = (runtime.settings.var_dir / "files" / row.signature_key).read_bytes()
    assert stored.startswith(b"b1.")  # sealed (app/sealed_files.py)
    assert b"PNG" not in stored
    assert (
        not Path(runtime.settings.var_dir / "files" / row.id_photo_key)
        .read_bytes()
        .startswith(b"\xff\xd8")
    )

    # Only supervisors see the checks: the worker and a window clerk get 404.
    checks = f"/staff/assist/checks/{row.id}"
    assert (await apps.get("/staff/assist/checks")).status_code == 404
    assert (await apps.get(f"{checks}/signature")).status_code == 404
    apps.cookies.clear()
    clerk = await create_staff(apps, role="window_clerk")
    await sign_in_staff(apps, clerk.username)
    assert (await apps.get(checks)).status_code == 404
    assert (await _post(apps, checks, decision="confirm")).status_code == 404  # type: ignore[attr-defined]

    apps.cookies.clear()
    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    queue = await apps.get("/staff/assist/checks")
    assert queue.status_code == 200
    assert checks in queue.text
    one = await apps.get(checks)
    assert one.status_code == 200
    assert f"{checks}/signature" in one.text
    signature = await apps.get(f"{checks}/signature")
    assert_downloaded(signature)
    assert signature.content.startswith(b"\x89PNG")
    photo = await apps.get(f"{checks}/id_photo")
    assert_downloaded(photo)
    assert photo.content.startswith(b"\xff\xd8")
    assert (await apps.get(f"{checks}/other")).status_code == 404
    no_reason = await _post(apps, checks, decision="reject", reason="  ")
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    rejected = await _post(apps, checks, decision="reject", reason="照片与本人不符")
    assert rejected.status_code == 303  # type: ignore[attr-defined]
    twice = await _post(apps, checks, decision="confirm")
    assert twice.status_code == 409  # type: ignore[attr-defined]

    jars.be("worker")
    assert (await apps.get(draft)).status_code == 404  # the very next request
    _, kinds = await _load(apps, authorization)
    assert kinds.count("evidence_viewed") == 2
    assert kinds[-1] == "rejected"

    async def told() -> tuple[list[Notice], list[str]]:
        async with runtime.sessionmaker() as db:
            notices = list(await db.scalars(select(Notice).where(
                Notice.subject_key == f"authorization:{authorization}:rejected")))  # fmt: skip
            audit = await db.scalars(select(AuditEvent.kind).where(
                AuditEvent.detail["authorization"].as_string() == authorization))  # fmt: skip
            return notices, list(audit)

    notices, audit = await in_app(apps, told)
    assert len(notices) == 1
    assert notices[0].kind == "authorization_rejected"
    assert {"evidence_viewed", "authorization_rejected", "authorization_confirmed"} <= set(audit)
    jars.be("resident")
    mine = await apps.get("/me/authorizations")
    assert "照片与本人不符" in mine.text


async def test_a_supervisor_confirms_an_in_person_confirmation_and_it_stays_active(
    apps: Client,
) -> None:
    jars, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare")
    done = await _in_person(apps, f"{visit}/authorizations/{authorization}/in-person",
                            signature=_png(), id_photo=_jpeg())  # fmt: skip
    assert done.status_code == 303  # type: ignore[attr-defined]
    jars.keep("worker")
    runtime: Runtime = apps.app.state.runtime

    async def row_id() -> UUID:
        async with runtime.sessionmaker() as db:
            found = await db.scalar(select(InPersonConfirmation.id).where(
                InPersonConfirmation.authorization_id == UUID(authorization)))  # fmt: skip
            assert found is not None
            return found

    checks = f"/staff/assist/checks/{await in_app(apps, row_id)}"
    apps.cookies.clear()
    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    assert (await _post(apps, checks, decision="confirm")).status_code == 303  # type: ignore[attr-defined]
    assert checks not in (await apps.get("/staff/assist/checks")).text
    jars.be("worker")
    page = await apps.get(visit)
    assert "pending supervisor check" not in page.text
    assert "待督办人员核验" not in page.text
    assert (await _post(apps, f"{visit}/drafts", bundle=BUNDLE)).status_code == 303  # type: ignore[attr-defined]
    stored, kinds = await _load(apps, authorization)
    assert stored.confirmed_by == "in_person"
    assert stored.revoked_at is None
    assert "checked" in kinds

    async def status() -> str:
        async with runtime.sessionmaker() as db:
            found = await db.scalar(select(InPersonConfirmation.status).where(
                InPersonConfirmation.authorization_id == UUID(authorization)))  # fmt: skip
            return str(found)

    assert await in_app(apps, status) == CheckStatus.CONFIRMED


async def test_a_qr_code_shown_before_another_confirmation_no_longer_confirms(
    apps: Client,
) -> None:
    jars, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare")
    shown = await _post(apps, f"{visit}/authorizations/{authorization}/qr")
    found = _TOKEN.search(shown.text)  # type: ignore[attr-defined]
    assert found
    jars.keep("worker")
    jars.be("resident")
    assert (await _post(apps, f"/me/authorizations/{authorization}/confirm")).status_code == 303  # type: ignore[attr-defined]
    page = await apps.get(f"/me/authorizations/scan/{found.group(1)}")
    assert page.status_code == 200
    assert "确认此授权" not in page.text  # no longer waiting: nothing to press
    late = await _post(apps, f"/me/authorizations/scan/{found.group(1)}")
    assert late.status_code == 409  # type: ignore[attr-defined]
    jars.be("worker")
    again = await _post(apps, f"{visit}/authorizations/{authorization}/qr")
    assert again.status_code == 409  # type: ignore[attr-defined]
    stored, kinds = await _load(apps, authorization)
    assert stored.confirmed_by == "signed_in"
    assert kinds == ["granted", "confirmed"]
