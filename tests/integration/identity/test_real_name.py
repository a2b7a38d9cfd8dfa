"""Real-name level L2: the name and ID number matched with a population record source.

The app talks to a local server speaking the protocol of ``app/identity/population.py``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from stdnum.cn import ric

from app.composition.runtime import Runtime
from app.config import Settings
from app.identity.models import Person, SecurityEvent, SecurityEventKind
from app.identity.real_name import ATTEMPTS_PER_DAY
from app.privacy import mask_id_number
from app.protection import SensitiveKind
from tests.conftest import csrf_token, in_app, make_settings, sign_in_as
from tests.fakes.population_server import FakePopulationRecords

EN = {"Accept-Language": "en"}


def _phone() -> str:
    return f"136{uuid.uuid4().int % 10**8:08d}"


def _id_number() -> str:
    """A fictional ID number with a right check character, different in every test."""
    born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20000))
    base = f"310115{born:%Y%m%d}{secrets.randbelow(1000):03d}"
    return base + ric.calc_check_digit(base + "0")


@pytest.fixture
def population() -> Iterator[FakePopulationRecords]:
    """A fresh local population record source for one test."""
    with FakePopulationRecords() as fake:
        yield fake
    assert not fake.server.failures, fake.server.failures
    assert not fake.refused, fake.refused  # the app always spoke the protocol


@pytest.fixture
def settings(
    tmp_path: Path, migrated_database_url: str, population: FakePopulationRecords
) -> Settings:
    """The app's settings, pointed at the local population record source."""
    return make_settings(
        tmp_path / "var", migrated_database_url, population_records_url=population.base_url
    )


async def _person(client: AsyncTestClient[Litestar], phone: str) -> Person:
    runtime: Runtime = client.app.state.runtime
    index = runtime.protector.blind_index(phone, SensitiveKind.PHONE)

    async def load() -> Person:
        async with runtime.sessionmaker() as db:
            person = await db.scalar(select(Person).where(Person.phone_index == index))
            assert person is not None
            return person

    return await in_app(client, load)


async def _events(client: AsyncTestClient[Litestar], person: Person) -> list[SecurityEvent]:
    runtime: Runtime = client.app.state.runtime

    async def load() -> list[SecurityEvent]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.person_id == person.id)
                .order_by(SecurityEvent.id)
            )
            return list(rows)

    return await in_app(client, load)


async def _submit(client: AsyncTestClient[Litestar], name: str, id_number: str) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post(
        "/me/real-name",
        data={"name": name, "id_number": id_number, "_csrf_token": token},
        headers=EN,
        follow_redirects=False,
    )


async def test_a_match_raises_the_level_to_l2_and_stores_the_number_only_encrypted(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    phone, id_number = _phone(), _id_number()
    population.records[id_number] = "张伟"
    await sign_in_as(client, phone)
    before = await client.get("/me", headers=EN)
    assert 'href="/me/real-name"' in before.text
    form = await client.get("/me/real-name", headers=EN)
    assert form.status_code == 200
    assert 'autocomplete="off"' in form.text

    done = await _submit(client, " 张伟 ", id_number.lower())
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/me"
    assert population.asked == [{"name": "张伟", "idNumber": id_number}]

    me = await client.get("/me", headers=EN)
    assert mask_id_number(id_number) in me.text
    assert id_number not in me.text
    assert "L2 · matched with population records" in me.text
    assert 'href="/me/real-name"' not in me.text
    person = await _person(client, phone)
    assert (person.real_name, person.real_name_level) == ("张伟", "L2")
    runtime: Runtime = client.app.state.runtime

    async def stored_rows() -> list[str]:
        async with runtime.sessionmaker() as db:
            rows = await db.execute(text("SELECT * FROM person"))
            return [repr(tuple(row)) for row in rows]

    assert not any(id_number in row for row in await in_app(client, stored_rows))
    events = await _events(client, person)
    assert SecurityEventKind.REAL_NAME_VERIFIED in [event.kind for event in events]
    assert not any(id_number in event.detail for event in events)


async def test_a_mismatch_is_refused_with_422_and_stores_nothing(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    phone, id_number = _phone(), _id_number()
    population.records[id_number] = "张伟"
    await sign_in_as(client, phone)
    refused = await _submit(client, "李娜", id_number)
    assert refused.status_code == 422
    page = refused.text
    assert "The name and ID number do not match the population records." in page
    assert id_number not in page
    person = await _person(client, phone)
    assert (person.id_number_index, person.real_name, person.real_name_level) == (None, None, "L1")
    kinds = [event.kind for event in await _events(client, person)]
    assert SecurityEventKind.REAL_NAME_REFUSED in kinds


async def test_a_bad_id_number_names_the_field_and_the_records_are_not_asked(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    await sign_in_as(client, _phone())
    wrong_check = _id_number()[:17] + "Y"
    refused = await _submit(client, "张伟", wrong_check)
    assert refused.status_code == 422
    page = refused.text
    assert 'id="id_number-error"' in page
    assert "Enter all 18 characters of the ID number" in page
    assert population.asked == []


async def test_a_number_verified_on_another_account_is_refused_without_saying_whose(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    first, second, id_number = _phone(), _phone(), _id_number()
    population.records[id_number] = "王芳"
    await sign_in_as(client, first)
    assert (await _submit(client, "王芳", id_number)).status_code == 303

    client.cookies.clear()
    await sign_in_as(client, second)
    refused = await _submit(client, "王芳", id_number)
    assert refused.status_code == 422
    page = refused.text
    assert 'id="id_number-error"' in page
    assert "already verified on another account" in page
    assert first[-4:] not in page
    person = await _person(client, second)
    assert (person.id_number_index, person.real_name_level) == (None, "L1")


async def test_when_the_records_are_down_the_page_says_so_and_nothing_is_stored(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    phone, id_number = _phone(), _id_number()
    population.records[id_number] = "陈静"
    population.down = True
    await sign_in_as(client, phone)
    answer = await _submit(client, "陈静", id_number)
    assert answer.status_code == 503
    person = await _person(client, phone)
    assert (person.id_number_index, person.real_name_level) == (None, "L1")


async def test_too_many_attempts_in_a_day_are_refused_with_429(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    id_number = _id_number()
    population.records[id_number] = "刘洋"
    await sign_in_as(client, _phone())
    for _ in range(ATTEMPTS_PER_DAY):
        assert (await _submit(client, "别人", id_number)).status_code == 422
    limited = await _submit(client, "刘洋", id_number)
    assert limited.status_code == 429
    assert "too many times today" in limited.text
    assert len(population.asked) == ATTEMPTS_PER_DAY


async def test_the_form_needs_a_signed_in_person_and_the_csrf_token(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    anonymous = await client.get("/me/real-name", follow_redirects=False)
    assert anonymous.status_code in (302, 303)
    await sign_in_as(client, _phone())
    forged = await client.post(
        "/me/real-name", data={"name": "张伟", "id_number": _id_number()}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert population.asked == []


async def test_an_l1_resident_hears_of_real_name_on_the_guide_and_returns_there_verified(
    client: AsyncTestClient[Litestar], population: FakePopulationRecords
) -> None:
    signed_out = await client.get("/guide/newborn", headers=EN)
    assert "Verify your real name first" not in signed_out.text
    phone, id_number = _phone(), _id_number()
    population.records[id_number] = "张伟"
    await sign_in_as(client, phone)
    # Before starting, not at the consent step: the guide says it, in the reader's language.
    guide = await client.get("/guide/newborn", headers=EN)
    assert "Verify your real name first" in guide.text
    assert 'href="/me/real-name?next=/guide/newborn"' in guide.text
    assert "先完成实名认证" in (await client.get("/guide/newborn")).text
    # A bundle that reads no record of the person (only the guide of an outline) says nothing.
    outline = await client.get("/guide/marriage", headers=EN)
    assert "Verify your real name first" not in outline.text
    form = await client.get("/me/real-name?next=/guide/newborn", headers=EN)
    assert 'name="next" value="/guide/newborn"' in form.text
    token = await csrf_token(client)
    typed = {"name": "张伟", "id_number": id_number, "next": "/guide/newborn"}
    done = await client.post(
        "/me/real-name", data={**typed, "_csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/guide/newborn"
    after = await client.get("/guide/newborn", headers=EN)
    assert "Verify your real name first" not in after.text
    # Where it leads is a path on this site only.
    elsewhere = await client.get("/me/real-name?next=//evil.example/", headers=EN)
    assert 'name="next" value="/me"' in elsewhere.text
