"""Every choice of the catalog reads as its label wherever an answer is shown, never as its code.

One bundle holds every select and yes/no field of the real catalog. Round after round, each
field takes its next option (typed, or read from a record for the fields records fill), and
the answers are read back from the review, the application's page, the window clerk's page
and the mini-program's review, in both languages: each must say the option's label.
"""

from __future__ import annotations

import re
from pathlib import Path
from uuid import UUID

import pytest

from app.catalog.schema import Delivery
from app.composition.runtime import Runtime
from tests.conftest import csrf_token, forget_code_cooldown, in_app, sign_in_as
from tests.integration.choices_support import (
    CHOICES,
    DELIVERIES,
    ROUNDS,
    Client,
    assert_labels,
    choice_records,
    choices_catalog,
    chosen,
    draft_at_review,
    facts,
    label,
)
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.records_support import new_id_number, new_phone, resident
from tests.integration.staff_support import create_staff, sign_in_staff


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_every_choice_of_the_catalog_reads_as_its_label_wherever_answers_are_shown(
    client: Client, tmp_path: Path, locale: str
) -> None:
    runtime: Runtime = client.app.state.runtime
    runtime.catalog = choices_catalog()
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
        runtime.records = choice_records(tmp_path, number, round_)
        draft, review = await draft_at_review(client, round_, locale)
        assert_labels(review, round_, locale, "review")
        fields = (await client.get(f"/mp/v1/drafts/{draft}/review", headers=api)).json()
        shown = {f["key"]: f["valueLabel"] for g in fields["form"]["groups"] for f in g["fields"]}
        for key, field in CHOICES.items():
            assert shown[key] == label(field, chosen(field, round_), locale), ("api", key)
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
        assert_labels(window, round_, locale, "window")
        shown = dict(facts(window))
        assert shown["Results" if locale == "en" else "结果送达"] == _delivery(delivery, locale)
        assert shown["Channel" if locale == "en" else "申请渠道"] == (
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
