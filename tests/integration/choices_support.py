"""A bundle that holds every choice of the real catalog, and a draft of it at its review.

For tests of how answers read (an option's label, never its code): each select and yes/no
field of ``app/catalog/data`` is in one form; round ``n`` gives each field its ``n``-th
option (again from the first when it has fewer), typed, or read from a record for the
fields records fill.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

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
from app.records.exchange import DemoRecordExchange
from app.records.sources import SOURCES, SubjectKind
from tests.conftest import csrf_token
from tests.integration.records_support import write_records

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


def choices_catalog() -> LoadedCatalog:
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


def chosen(field: FieldDef, round_: int) -> str:
    """The code ``field`` takes in round ``round_``."""
    if field.kind is FieldKind.BOOLEAN:
        return ("yes", "no")[round_ % 2]
    return field.options[round_ % len(field.options)].value


def label(field: FieldDef, value: str, locale: str) -> str:
    """What ``value`` of ``field`` must read as (spelled out for yes and no)."""
    if field.kind is FieldKind.BOOLEAN:
        return YES_NO[locale][value]
    option = next(o for o in field.options if o.value == value)
    return option.label(locale)


def choice_records(directory: Path, number: str, round_: int) -> DemoRecordExchange:
    """This round's options in the records that fill some of the choices (as codes)."""
    by_source: dict[str, dict[str, str]] = {}
    for field in CHOICES.values():
        if field.prefill is not None:
            by_source.setdefault(field.prefill.source, {})[field.prefill.field] = chosen(
                field, round_
            )
    rows = [(source, number, values) for source, values in by_source.items()]
    assert all(SOURCES[source].subject is SubjectKind.PERSON for source, _, _ in rows)
    return DemoRecordExchange(directory=write_records(directory / f"round-{round_}", *rows))


def facts(page: str) -> list[tuple[str, str]]:
    """Every ``<dt>``/``<dd>`` pair of a page, as text."""
    return [(html.unescape(dt), html.unescape(dd).strip()) for dt, dd in _FACT.findall(page)]


def assert_labels(page: str, round_: int, locale: str, where: str) -> None:
    """Every choice on ``page`` reads as this round's label; no value is a raw code."""
    shown = facts(page)
    for key, field in CHOICES.items():
        expected = label(field, chosen(field, round_), locale)
        assert (field.label(locale), expected) in shown, (where, key, expected, shown)
    codes = {o.value for f in CHOICES.values() for o in f.options} | {"yes", "no"}
    raw = [(dt, dd) for dt, dd in shown if dd in codes]
    assert not raw, (where, raw)


async def draft_at_review(client: Client, round_: int, locale: str) -> tuple[str, str]:
    """A draft of the bundle at its review for this round (signed in, with records for
    ``choice_records``): its id and the review page."""
    token = await csrf_token(client)
    started = await client.post("/me/drafts", data={"bundle": BUNDLE, "_csrf_token": token},
                                follow_redirects=False)  # fmt: skip
    draft = started.headers["location"].split("/")[3]
    base = f"/me/drafts/{draft}"
    await client.post(f"{base}/notice", data={"_csrf_token": token})
    agreed = await client.post(f"{base}/consent", data={"decision": "agree", "_csrf_token": token})
    assert agreed.status_code == 200, agreed.text
    form = await client.get(f"{base}/form")
    typed = {key: chosen(f, round_) for key, f in CHOICES.items() if f'name="{key}"' in form.text}
    assert len(typed) < len(CHOICES), "some choices come from the records"
    saved = await client.post(f"{base}/form", data={**typed, "_csrf_token": token},
                              follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, re.findall(r'field-error">([^<]+)', saved.text)
    assert (await client.post(f"{base}/materials", data={"_csrf_token": token})).status_code == 200
    # The form page itself shows the records' choices (read-only) by their labels too.
    again = html.unescape((await client.get(f"{base}/form")).text)
    for field in CHOICES.values():
        if field.prefill is not None:
            words = label(field, chosen(field, round_), locale)
            assert f'value="{words}"' in again or f">{words}</textarea>" in again, words
    review = (await client.get(f"{base}/review")).text
    return draft, review
