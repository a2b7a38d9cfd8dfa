"""Real-name verification through ``/mp/v1/me/real-name``: the page's service, limits and words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from app.identity.real_name import ATTEMPTS_PER_DAY
from app.privacy import mask_id_number
from tests.conftest import make_settings
from tests.fakes.population_server import FakePopulationRecords
from tests.integration.identity.test_real_name import _id_number, _phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}


@pytest.fixture
def population() -> Iterator[FakePopulationRecords]:
    """A fresh local population record source for one test."""
    with FakePopulationRecords() as fake:
        yield fake
    assert not fake.refused, fake.refused


@pytest.fixture
def settings(
    tmp_path: Path, migrated_database_url: str, population: FakePopulationRecords
) -> Settings:
    """The app's settings, pointed at the local population record source."""
    return make_settings(
        tmp_path / "var", migrated_database_url, population_records_url=population.base_url
    )


async def test_a_match_raises_the_level_to_l2_and_answers_the_number_masked(
    client: Client, population: FakePopulationRecords
) -> None:
    id_number = _id_number()
    population.records[id_number] = "张伟"
    auth = await bearer(client, _phone())
    before = await client.get("/mp/v1/me/real-name", headers=auth)
    assert before.status_code == 200, before.text
    assert before.json()["realNameLevel"] == "L1"
    assert before.json()["verified"] is False

    done = await client.post("/mp/v1/me/real-name", headers=auth,
                             json={"name": " 张伟 ", "idNumber": id_number.lower()})  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json() == {
        "realNameLevel": "L2", "verified": True, "realName": "张伟",
        "maskedIdNumber": mask_id_number(id_number), "attemptsPerDay": ATTEMPTS_PER_DAY,
    }  # fmt: skip
    assert id_number not in done.text
    me = await client.get("/mp/v1/me", headers=auth)
    assert me.json()["realNameLevel"] == "L2"


async def test_a_mismatch_is_a_problem_with_the_pages_message_and_the_day_has_a_limit(
    client: Client, population: FakePopulationRecords
) -> None:
    id_number = _id_number()
    population.records[id_number] = "张伟"
    auth = {**await bearer(client, _phone()), **EN}
    bad = await client.post("/mp/v1/me/real-name", headers=auth,
                            json={"name": "", "idNumber": "12345"})  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "id_number"}
    assert population.asked == []  # malformed input never reaches the records
    for _ in range(ATTEMPTS_PER_DAY):
        wrong = await client.post("/mp/v1/me/real-name", headers=auth,
                                  json={"name": "李四", "idNumber": id_number})  # fmt: skip
        assert wrong.status_code == 422
        assert wrong.json()["detail"] == (
            "The name and ID number do not match the population records."
        )
        assert id_number not in wrong.text
    limited = await client.post("/mp/v1/me/real-name", headers=auth,
                                json={"name": "张伟", "idNumber": id_number})  # fmt: skip
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert len(population.asked) == ATTEMPTS_PER_DAY
    still = await client.get("/mp/v1/me/real-name", headers=auth)
    assert still.json()["realNameLevel"] == "L1"


async def test_real_name_needs_a_bearer(client: Client) -> None:
    assert (await client.get("/mp/v1/me/real-name")).status_code == 401
    refused = await client.post("/mp/v1/me/real-name", json={"name": "张伟", "idNumber": "1"})
    assert refused.status_code == 401
