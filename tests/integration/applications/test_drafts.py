"""A resident prepares an application through the pages: questions, notice, form, materials."""

from __future__ import annotations

import io
import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from app.catalog.engine import merged_field_keys, select_matters
from app.catalog.loader import default_catalog
from app.composition.runtime import Runtime
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.records_support import (
    new_credit_code,
    new_id_number,
    new_phone,
    records_everywhere,
    resident,
)

Client = AsyncTestClient[Litestar]
NEWBORN_ANSWERS = {
    "birth_certificate": "pending",
    "household": "local",
    "maternity_insurance": "yes",
}


async def start(client: Client, bundle: str = "newborn") -> str:
    token = await csrf_token(client)
    started = await client.post(
        "/me/drafts", data={"bundle": bundle, "_csrf_token": token}, follow_redirects=False
    )
    assert started.status_code == 303, started.text
    return str(started.headers["location"]).rsplit("/", 1)[0]


def multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """A form with repeated names, as httpx takes it."""
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def answer_form(token: str, answers: dict[str, str]) -> dict[str, list[str]]:
    return multi([("_csrf_token", token)] + [(f"q.{k}", v) for k, v in answers.items()])


async def to_form(client: Client, draft: str, answers: dict[str, str] = NEWBORN_ANSWERS) -> str:
    token = await csrf_token(client)
    done = await client.post(f"{draft}/questions", data=answer_form(token, answers),
                             follow_redirects=False)  # fmt: skip
    assert done.status_code == 303, done.text
    await client.post(f"{draft}/notice", data={"_csrf_token": token})
    declined = await client.post(f"{draft}/consent",
                                 data={"decision": "decline", "_csrf_token": token})  # fmt: skip
    assert declined.status_code == 200, declined.text
    return token


async def test_a_resident_answers_reads_one_notice_and_gets_the_merged_form(
    client: Client,
) -> None:
    await sign_in_as(client, "13900000101")
    draft = await start(client)
    questions = await client.get(f"{draft}/questions")
    assert "新生儿的出生医学证明办好了吗" in questions.text
    token = await csrf_token(client)
    done = await client.post(f"{draft}/questions", data=answer_form(token, NEWBORN_ANSWERS),
                             follow_redirects=False)  # fmt: skip
    assert done.headers["location"].endswith("/notice")
    notice = await client.get(f"{draft}/notice")
    catalog = default_catalog().catalog
    for code in ("birth-medical-certificate", "household-birth-registration", "maternity-benefits"):
        assert catalog.matters[code].name.zh in notice.text
    assert "工作日" in notice.text
    await client.post(f"{draft}/notice", data={"_csrf_token": token})
    await client.post(f"{draft}/consent", data={"decision": "decline", "_csrf_token": token})
    form = await client.get(f"{draft}/form")
    assert form.status_code == 200
    names = re.findall(r'name="([a-z_]+\.[a-z_.]+)"', form.text)
    assert len(names) == len(set(names)), "every field appears once"
    # Exactly the merged form of the matters the answers select, each field once.
    selection = select_matters(catalog.bundles["newborn"], _as_answers(NEWBORN_ANSWERS))
    expected = merged_field_keys(catalog, [m.matter for m in selection.selected])
    assert sorted(names) == sorted(expected)
    assert "child.name" in names


def _as_answers(answers: dict[str, str]) -> dict[str, list[str]]:
    return {key: [value] for key, value in answers.items()}


async def test_an_unanswered_question_is_named_and_nothing_is_saved(client: Client) -> None:
    await sign_in_as(client, "13900000102")
    draft = await start(client)
    token = await csrf_token(client)
    refused = await client.post(f"{draft}/questions",
                                data=answer_form(token, {"household": "local"}))  # fmt: skip
    assert refused.status_code == 422
    assert "请回答这个问题" in refused.text or "Please answer this question" in refused.text
    notice = await client.get(f"{draft}/notice", follow_redirects=False)
    assert notice.status_code == 303
    assert notice.headers["location"].endswith("/questions")


async def test_a_malformed_value_comes_back_with_its_message_and_is_not_saved(
    client: Client,
) -> None:
    await sign_in_as(client, "13900000103")
    draft = await start(client)
    token = await to_form(client, draft)
    form = await client.get(f"{draft}/form")
    date_field = re.search(r'name="([a-z_.]+)" data-kind="date"', form.text)
    assert date_field is not None
    key = date_field.group(1)
    saved = await client.post(f"{draft}/autosave", data={key: "2026-11-10", "_csrf_token": token})
    assert saved.status_code == 200
    bad = await client.post(f"{draft}/autosave", data={key: "tomorrow", "_csrf_token": token})
    assert bad.status_code == 422
    again = await client.get(f"{draft}/form")
    assert 'value="2026-11-10"' in again.text, "the bad value did not replace the good one"
    incomplete = await client.post(f"{draft}/form", data={key: "soon", "_csrf_token": token})
    assert incomplete.status_code == 422
    assert 'aria-invalid="true"' in incomplete.text


async def test_leaving_out_an_optional_service_removes_its_fields_at_once(client: Client) -> None:
    await sign_in_as(client, "13900000104")
    draft = await start(client)
    token = await to_form(client, draft)
    catalog = default_catalog().catalog
    others = [m.matter for m in catalog.bundles["newborn"].matters]
    only_maternity = set(catalog.matters["maternity-benefits"].fields) - {
        key for code in others if code != "maternity-benefits"
        for key in catalog.matters[code].fields
    }  # fmt: skip
    assert only_maternity, "the optional matter has fields of its own"
    form = await client.get(f"{draft}/form")
    offered = re.findall(r'name="offered" value="([^"]+)"', form.text)
    kept = [c for c in offered if c != "maternity-benefits"]
    fragment = await client.post(
        f"{draft}/matters",
        data=multi([("_csrf_token", token)] + [("offered", c) for c in offered]
                   + [("keep", c) for c in kept]),
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    for key in only_maternity:
        assert f'name="{key}"' not in fragment.text
    back = await client.post(
        f"{draft}/matters",
        data=multi([("_csrf_token", token)] + [("offered", c) for c in offered]
                   + [("keep", c) for c in offered]),
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert any(f'name="{key}"' in back.text for key in only_maternity)


async def test_someone_elses_draft_answers_404(client: Client) -> None:
    await sign_in_as(client, "13900000105")
    draft = await start(client)
    owner = dict(client.cookies)
    client.cookies.clear()
    await sign_in_as(client, "13900000106")
    for path in ("", "/questions", "/notice", "/form", "/materials", "/review"):
        answer = await client.get(f"{draft}{path}", follow_redirects=False)
        assert answer.status_code == 404, path
    token = await csrf_token(client)
    answer = await client.post(f"{draft}/discard", data={"_csrf_token": token})
    assert answer.status_code == 404
    client.cookies.clear()
    client.cookies.update(owner)
    mine = await client.get(f"{draft}/questions")
    assert mine.status_code == 200


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "JPEG")
    return out.getvalue()


async def test_materials_are_uploaded_once_for_every_service_that_needs_them(
    client: Client,
) -> None:
    await sign_in_as(client, "13900000107")
    draft = await start(client)
    token = await to_form(client, draft)
    form = await client.get(f"{draft}/form")
    required = dict.fromkeys(re.findall(r'<input id="f-[^"]+" name="([^"]+)"', form.text))
    assert required
    # Fill the whole form from the catalog's own kinds, then go on to the materials.
    catalog = default_catalog().catalog
    sample = {"date": "2026-11-10", "id-number": "11010519491231002X", "phone": "13800138000",
              "number": "1", "money": "100", "credit-code": "91350100M000100Y43"}  # fmt: skip
    data: dict[str, str] = {"_csrf_token": token}
    for key in re.findall(r'name="([a-z_]+\.[a-z_.]+)"', form.text):
        field = catalog.fields[key]
        data[key] = field.options[0].value if field.options else sample.get(field.kind, "张三")
        if field.kind == "boolean":
            data[key] = "yes"
    done = await client.post(f"{draft}/form", data=data, follow_redirects=False)
    assert done.status_code == 303, re.findall(r'field-error">([^<]+)', done.text)
    page = await client.get(f"{draft}/materials")
    codes = re.findall(r'action="[^"]+/materials/([^"]+)"', page.text)
    assert codes
    assert len(codes) == len(set(codes)), "one upload form per material"
    uploaded = await client.post(f"{draft}/materials/{codes[0]}",
                                 files={"file": ("scan.jpg", _photo(), "image/jpeg")},
                                 data={"_csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert uploaded.status_code == 303, uploaded.text
    listed = await client.get(f"{draft}/materials")
    link = re.search(r'href="(/me/drafts/[^"]+/uploads/[^"]+)"', listed.text)
    assert link is not None
    stored = await client.get(link.group(1))
    assert stored.headers["content-type"] == "image/jpeg"
    refused = await client.post(f"{draft}/materials/{codes[0]}",
                                files={"file": ("a.exe", b"MZ" + b"0" * 100, "text/plain")},
                                data={"_csrf_token": token})  # fmt: skip
    assert refused.status_code == 422


async def _verified_resident(client: Client, tmp_path: Path) -> None:
    """A resident signed in at real-name level L2, with a record in every source."""
    runtime: Runtime = client.app.state.runtime
    phone, number = new_phone(), new_id_number()

    async def make() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await resident(db, runtime.protector, phone=phone, id_number=number)

    await in_app(client, make)
    runtime.records = records_everywhere(tmp_path / "records", number, new_credit_code())
    await sign_in_as(client, phone)


async def test_an_optional_service_left_out_and_taken_back_keeps_the_consent_and_the_form(
    client: Client, tmp_path: Path
) -> None:
    await _verified_resident(client, tmp_path)
    draft = await start(client)
    token = await csrf_token(client)
    answered = await client.post(f"{draft}/questions", data=answer_form(token, NEWBORN_ANSWERS))
    assert answered.status_code == 200, answered.text
    await client.post(f"{draft}/notice", data={"_csrf_token": token})
    agreed = await client.post(f"{draft}/consent", data={"decision": "agree", "_csrf_token": token})
    assert agreed.status_code == 200, agreed.text
    form = await client.get(f"{draft}/form")
    offered = re.findall(r'name="offered" value="([^"]+)"', form.text)
    assert "maternity-benefits" in offered
    choose = [("_csrf_token", token)] + [("offered", c) for c in offered]
    kept = [c for c in offered if c != "maternity-benefits"]
    without = await client.post(f"{draft}/matters", headers={"HX-Request": "true"},
                                data=multi(choose + [("keep", c) for c in kept]))  # fmt: skip
    assert 'name="insurance.employer"' not in without.text
    back = await client.post(f"{draft}/matters", headers={"HX-Request": "true"},
                             data=multi(choose + [("keep", c) for c in offered]))  # fmt: skip
    assert back.status_code == 200, back.text
    # The records it reads were agreed to already: the form comes back, filled, not a link.
    assert 'id="f-insurance-employer"' in back.text
    assert "social-insurance-employer_name" in back.text
    saved = await client.post(f"{draft}/autosave", data={"_csrf_token": token})
    assert saved.status_code == 200, saved.text
    still = await client.get(f"{draft}/form", follow_redirects=False)
    assert still.status_code == 200


async def test_a_service_taken_back_that_reads_more_records_asks_the_consent_again_and_says_why(
    client: Client, tmp_path: Path
) -> None:
    await _verified_resident(client, tmp_path)
    draft = await start(client)
    token = await csrf_token(client)
    # Maternity benefits left out on the questions page, before the consent is given.
    questions = answer_form(token, NEWBORN_ANSWERS)
    questions["offered"] = ["maternity-benefits"]
    answered = await client.post(f"{draft}/questions", data=questions)
    assert answered.status_code == 200, answered.text
    await client.post(f"{draft}/notice", data={"_csrf_token": token})
    await client.post(f"{draft}/consent", data={"decision": "agree", "_csrf_token": token})
    form = await client.get(f"{draft}/form")
    offered = re.findall(r'name="offered" value="([^"]+)"', form.text)
    every = [(name, code) for code in offered for name in ("offered", "keep")]
    taken_back = await client.post(f"{draft}/matters", headers={"HX-Request": "true"},
                                   data=multi([("_csrf_token", token), *every]))  # fmt: skip
    assert taken_back.headers.get("hx-redirect") == f"{draft}/consent?more=1", taken_back.text
    consent = await client.get(taken_back.headers["hx-redirect"])
    assert "需要读取更多" in consent.text
    # An autosave still under way from the form page follows the applicant there too.
    autosave = await client.post(f"{draft}/autosave", headers={"HX-Request": "true"},
                                 data={"_csrf_token": token})  # fmt: skip
    assert autosave.headers.get("hx-redirect") == f"{draft}/consent"
