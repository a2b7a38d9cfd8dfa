"""The demo wallet and the demo records tell one story (issue 20, item 6).

The session's database is loaded with the demo data as ``make run`` loads it. Every demo
license still issued must be backed by a record of its holder and say what that record says:
李娜 once held a household register at another address naming herself 户主, and a disability
certificate no record knows of.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.composition.runtime import Runtime
from app.demo import load_demo_data
from app.enterprises.models import Enterprise
from app.privacy import mask_id_number
from app.records.demo_store import DemoRecord, load_demo_records
from app.wallet.models import License, LicenseStatus
from tests.conftest import in_app

Client = AsyncTestClient[Litestar]

# License type -> (source, {license field: record field}) that must agree.
AGREES = {
    "household-register": ("population", {
        "name": "name", "sex": "gender", "ethnicity": "ethnicity", "address": "household_address",
        "household_head": "household_head", "relation": "relation_to_head",
    }),
    "social-security-card": ("social-insurance", {"card_number": "card_number"}),
    "real-estate-certificate": ("real-estate", {"property_location": "property_address",
                                                "property_use": "usage"}),
    "disability-certificate": ("disability", {"disability_category": "category",
                                              "disability_grade": "grade"}),
    "business-licence": ("enterprise-registry", {
        "enterprise_name": "name", "credit_code": "credit_code",
        "legal_representative": "legal_representative", "enterprise_type": "entity_type",
        "established_on": "established_on", "address": "registered_address",
        "business_scope": "business_scope",
    }),
}  # fmt: skip


async def _demo_licenses(client: Client) -> list[tuple[License, str]]:
    """Every issued demo license with its holder's number (ID number or credit code).

    A person is found by the name the license is issued to (demo names are unique), and the
    license's masked ID number must be that person's: nothing is decrypted here.
    """
    runtime: Runtime = client.app.state.runtime
    numbers = {
        r.values["name"]: r.values["id_number"]
        for (source, _), r in load_demo_records().items()
        if source == "population"
    }

    async def load() -> list[tuple[License, str]]:
        await load_demo_data(runtime.settings)  # again: idempotent, and it corrects old ones
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(License).where(
                    License.source_ref.like("demo%"), License.status == LicenseStatus.ISSUED
                )
            )
            found = []
            for license_ in rows.all():
                if license_.enterprise_id is not None:
                    enterprise = await db.get(Enterprise, license_.enterprise_id)
                    assert enterprise is not None
                    found.append((license_, enterprise.credit_code))
                else:
                    number = numbers[license_.holder_name]
                    assert license_.fields["id_number"]["masked"] == mask_id_number(number)
                    found.append((license_, number))
            return found

    return await in_app(client, load)


def _disagreements(
    license_: License, number: str, records: dict[tuple[str, str], DemoRecord]
) -> list[str]:
    source, pairs = AGREES[license_.license_type]
    record = records.get((source, number))
    if record is None:
        return [f"{license_.license_type} of {license_.holder_name}: no {source} record"]
    fields: dict[str, Any] = license_.fields
    return [
        f"{license_.license_type} of {license_.holder_name}: {key} is {fields.get(key)!r}, "
        f"the {source} record says {record.values.get(field)!r}"
        for key, field in pairs.items()
        if fields.get(key) != record.values.get(field)
    ]


async def test_every_demo_license_says_what_its_holders_record_says(client: Client) -> None:
    records = load_demo_records()
    licenses = await _demo_licenses(client)
    assert {lic.license_type for lic, _ in licenses} >= {"household-register", "business-licence"}
    problems = [p for lic, number in licenses for p in _disagreements(lic, number, records)]
    assert problems == []


async def test_li_na_holds_no_license_her_records_do_not_back(client: Client) -> None:
    li_na = "110105199007071236"
    held = {lic.license_type: lic for lic, number in await _demo_licenses(client)
            if number == li_na}  # fmt: skip
    assert "disability-certificate" not in held  # no disability record of hers exists
    register = held["household-register"]
    # Her register is her husband's household in 岳麓区, where she is 妻, not a 户主 elsewhere.
    assert register.fields["household_head"] == "张伟"
    assert register.fields["relation"] == "妻"
    assert "岳麓区" in register.fields["address"]
