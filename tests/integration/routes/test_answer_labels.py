"""Every choice of the catalog reads as its label wherever an answer is shown, never as its code.

One bundle holds every select and yes/no field of the real catalog. Round after round, each
field takes its next option (typed, or read from a record for the fields records fill), and
the answers are read back from the review, the application's page, the window clerk's page
and the mini-program's review, in both languages: each must say the option's label.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.catalog.loader import LoadedCatalog, default_catalog, department_names
from app.catalog.schema import (
    Bundle,
    BundleMatter,
    Catalog,
    Delivery,
    FieldDef,
    FieldKind,
    Level,
    Material,
    Matter,
    MatterKind,
    Result,
    Text,
)
from app.composition.runtime import Runtime
from app.records.exchange import DemoRecordExchange
from app.records.sources import SOURCES, SubjectKind
from tests.conftest import csrf_token, forget_code_cooldown, in_app, sign_in_as
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.records_support import new_id_number, new_phone, resident, write_records
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
BUNDLE = "every-answer"
REAL = default_catalog()
CHOICES = {
    key: field
    for key, field in REAL.catalog.fields.items()
    if field.kind in (FieldKind.SELECT, FieldKind.BOOLEAN)
}
ROUNDS = max(len(field.options) for field in CHOICES.values())
DELIVERIES = (Delivery.ELECTRONIC, Delivery.WINDOW, Delivery.MAIL)
YES_NO = {"zh_Hans": {"yes": "是", "no": "否"}, "en": {"yes": "Yes", "no": "No"}}
_FACT = re.compile(r"<dt>([^<]*)</dt><dd>([^<]*)")


def _catalog() -> LoadedCatalog:
    """The real fields and groups, with one bundle whose form holds every choice."""
    text = Text(zh="测试", en="test")
    matter = Matter(
        code="answers", name=Text(zh="选项事项", en="Choices"), kind=MatterKind.CONFIRMATION,
        department="health", legal_basis=(text,), scope=text, level=Level.CITY,
        time_limit_days=10, promised_days=5, steps=(text,), conditions=(text,),
        # To follow on commitment: the application waits for the window clerk.
        materials=(Material(code="photo", name=Text(zh="照片", en="Photo"), may_defer=True),),
        fields=tuple(CHOICES), result=Result(name=text, delivery=DELIVERIES),
    )  # fmt: skip
    bundle = Bundle(
        code=BUNDLE, name=Text(zh="每个选项(测试)", en="Every choice (test)"),
        audience=SubjectKind.PERSON, summary=text, lead_department="health", origins=(),
        matters=(BundleMatter(matter="answers"),),
    )  # fmt: skip
    real = REAL.catalog
    catalog = Catalog(groups=real.groups, fields=real.fields, matters={"answers": matter},
                      bundles={BUNDLE: bundle}, origins={})  # fmt: skip
    return LoadedCatalog(catalog=catalog, licenses=REAL.licenses, departments=department_names())


def _chosen(field: FieldDef, round_: int) -> str:
    if field.kind is FieldKind.BOOLEAN:
        return ("yes", "no")[round_ % 2]
    return field.options[round_ % len(field.options)].value


def _label(field: FieldDef, value: str, locale: str) -> str:
    if field.kind is FieldKind.BOOLEAN:
        return YES_NO[locale][value]
    option = next(o for o in field.options if o.value == value)
    return option.label(locale)


def _records(directory: Path, number: str, round_: int) -> DemoRecordExchange:
    """This round's options in the records that fill some of the choices (as codes)."""
    by_source: dict[str, dict[str, str]] = {}
    for field in CHOICES.values():
        if field.prefill is not None:
            by_source.setdefault(field.prefill.source, {})[field.prefill.field] = _chosen(
                field, round_
            )
    rows = [(source, number, values) for source, values in by_source.items()]
    assert all(SOURCES[source].subject is SubjectKind.PERSON for source, _, _ in rows)
    return DemoRecordExchange(directory=write_records(directory / f"round-{round_}", *rows))


def _facts(page: str) -> list[tuple[str, str]]:
    return [(html.unescape(dt), html.unescape(dd).strip()) for dt, dd in _FACT.findall(page)]


def _assert_labels(page: str, round_: int, locale: str, where: str) -> None:
    facts = _facts(page)
    for key, field in CHOICES.items():
        expected = _label(field, _chosen(field, round_), locale)
        assert (field.label(locale), expected) in facts, (where, key, expected, facts)
    codes = {o.value for f in CHOICES.values() for o in f.options} | {"yes", "no"}
    raw = [(dt, dd) for dt, dd in facts if dd in codes]
    assert not raw, (where, raw)


async def _prepare(client: Client, round_: int, locale: str) -> tuple[str, str]:
    """A draft of the bundle at its review for this round; its id and CSRF token."""
    token = await csrf_token(client)
    started = await client.post("/me/drafts", data={"bundle": BUNDLE, "_csrf_token": token},
                                follow_redirects=False)  # fmt: skip
    draft = started.headers["location"].split("/")[3]
    base = f"/me/drafts/{draft}"
    await client.post(f"{base}/notice", data={"_csrf_token": token})
    agreed = await client.post(f"{base}/consent", data={"decision": "agree", "_csrf_token": token})
    assert agreed.status_code == 200, agreed.text
    form = await client.get(f"{base}/form")
    typed = {key: _chosen(f, round_) for key, f in CHOICES.items() if f'name="{key}"' in form.text}
    assert len(typed) < len(CHOICES), "some choices come from the records"
    saved = await client.post(f"{base}/form", data={**typed, "_csrf_token": token},
                              follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, re.findall(r'field-error">([^<]+)', saved.text)
    assert (await client.post(f"{base}/materials", data={"_csrf_token": token})).status_code == 200
    # The form page itself shows the records' choices (read-only) by their labels too.
    again = html.unescape((await client.get(f"{base}/form")).text)
    for field in CHOICES.values():
        if field.prefill is not None:
            label = _label(field, _chosen(field, round_), locale)
            assert f'value="{label}"' in again or f">{label}</textarea>" in again, label
    review = (await client.get(f"{base}/review")).text
    return draft, review


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_every_choice_of_the_catalog_reads_as_its_label_wherever_answers_are_shown(
    client: Client, tmp_path: Path, locale: str
) -> None:
    runtime: Runtime = client.app.state.runtime
    runtime.catalog = _catalog()
    phone, number = new_phone(), new_id_number()

    async def make() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await resident(db, runtime.protector, phone=phone, id_number=number)

    await in_app(client, make)
    language = {"Accept-Language": "en" if locale == "en" else "zh-CN"}
    api = {**await bearer(client, phone), **language}
    await forget_code_cooldown(client, phone)
    await sign_in_as(client, phone)
    client.headers.update(language)
    applications: list[tuple[int, UUID, Delivery]] = []
    for round_ in range(ROUNDS):
        runtime.records = _records(tmp_path, number, round_)
        draft, review = await _prepare(client, round_, locale)
        _assert_labels(review, round_, locale, "review")
        fields = (await client.get(f"/mp/v1/drafts/{draft}/review", headers=api)).json()
        shown = {f["key"]: f["valueLabel"] for g in fields["form"]["groups"] for f in g["fields"]}
        for key, field in CHOICES.items():
            assert shown[key] == _label(field, _chosen(field, round_), locale), ("api", key)
        delivery = DELIVERIES[round_ % len(DELIVERIES)]
        key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', review)
        assert key
        done = await client.post("/me/applications", follow_redirects=False, data={
            "draft_id": draft, "idempotency_key": key.group(1), "delivery": str(delivery),
            "address": "长沙市岳麓区示例路1号", "commitment": "yes",
            "_csrf_token": await csrf_token(client)})  # fmt: skip
        assert done.status_code == 303, done.text
        application = UUID(done.headers["location"].rsplit("/", 1)[1])
        page = (await client.get(done.headers["location"])).text
        assert _delivery(delivery, locale) in page
        listed = (await client.get(f"/mp/v1/applications/{application}", headers=api)).json()
        assert listed["deliveryLabel"] == _delivery(delivery, locale)
        applications.append((round_, application, delivery))

    clerk = await create_staff(client, role="window_clerk")
    await sign_in_staff(client, clerk.username)
    for round_, application, delivery in applications:
        window = (await client.get(f"/staff/window/{application}")).text
        _assert_labels(window, round_, locale, "window")
        facts = dict(_facts(window))
        assert facts["Results" if locale == "en" else "结果送达"] == _delivery(delivery, locale)
        assert facts["Channel" if locale == "en" else "申请渠道"] == (
            "Web" if locale == "en" else "网页"
        )


def _delivery(delivery: Delivery, locale: str) -> str:
    # Spelled out: a test of the words must not read them back from what it tests.
    words = {
        "en": {"electronic": "electronic license in your wallet",
               "window": "pick up at the service window", "mail": "express mail"},
        "zh_Hans": {"electronic": "电子证照发送到卡包", "window": "窗口领取", "mail": "邮寄送达"},
    }  # fmt: skip
    return words[locale][str(delivery)]
