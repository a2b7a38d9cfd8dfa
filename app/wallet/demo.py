"""Demo licenses for the demo accounts and enterprises, issued through ``WalletService.issue``.

Every field of a demo license is read from the demo records of its holder
(``app/demo/records/``): a household register says what the population record says, a
business licence what the registry says, and nobody holds a license no record backs. So the
wallet and the records that fill the forms never tell two stories about one person
(``tests/integration/wallet/test_demo_consistency.py`` keeps it so).

Idempotent like the rest of the demo data: each license's ``source_ref`` names its holder,
type and the version of these rules, so a second run issues nothing new. Demo licenses of
an earlier version (which disagreed with the records) are revoked, with the reason, not
deleted: a database loaded before keeps its history and stops showing them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.loader import default_catalog
from app.enterprises.models import Enterprise
from app.identity.persons import find_by_phone
from app.numbers import birth_date_of
from app.protection import DataProtector
from app.records.demo_store import DemoRecord, load_demo_records
from app.wallet.models import License, LicenseStatus
from app.wallet.service import Holder, WalletService

VERSION = "demo2"  # of the source refs: licenses made by earlier rules are revoked
SUPERSEDED = "演示数据更正：以与共享记录一致的新证照替换"
Records = Mapping[tuple[str, str], DemoRecord]

# Demo account -> (the ID number of its population record, the licenses it holds).
_PERSONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "13800138000": ("310115198503120418", ("household-register", "social-security-card")),
    "13800138001": ("110105199007071236", ("household-register", "social-security-card")),
    "13800138002": ("44030519780215256X", ("real-estate-certificate",)),
}


def _values(records: Records, source: str, subject: str) -> dict[str, str]:
    record = records.get((source, subject))
    return dict(record.values) if record is not None else {}


def _household_register(records: Records, number: str) -> dict[str, str]:
    person = _values(records, "population", number)
    return {
        "name": person["name"], "sex": person["gender"], "ethnicity": person["ethnicity"],
        "birth_date": birth_date_of(number).isoformat(), "address": person["household_address"],
        "household_head": person["household_head"], "relation": person["relation_to_head"],
    }  # fmt: skip


def _social_security_card(records: Records, number: str) -> dict[str, str]:
    insured = _values(records, "social-insurance", number)
    return {"name": _values(records, "population", number)["name"],
            "card_number": insured["card_number"]}  # fmt: skip


def _real_estate_certificate(records: Records, number: str) -> dict[str, str]:
    estate = _values(records, "real-estate", number)
    return {
        "name": _values(records, "population", number)["name"],
        "property_location": estate["property_address"],
        "property_area": f"{estate['floor_area']}㎡", "property_use": estate["usage"],
    }  # fmt: skip


def _disability_certificate(records: Records, number: str) -> dict[str, str]:
    disability = _values(records, "disability", number)
    return {"name": _values(records, "population", number)["name"],
            "disability_category": disability["category"],
            "disability_grade": disability["grade"]}  # fmt: skip


# License type -> its fields from the holder's records (KeyError: no record backs it).
PERSONAL_FIELDS: dict[str, Callable[[Records, str], dict[str, str]]] = {
    "household-register": _household_register,
    "social-security-card": _social_security_card,
    "real-estate-certificate": _real_estate_certificate,
    "disability-certificate": _disability_certificate,
}


def business_licence_fields(records: Records, credit_code: str) -> dict[str, str]:
    """A business licence as the market-regulation registry describes the enterprise."""
    registry = _values(records, "enterprise-registry", credit_code)
    return {
        "enterprise_name": registry["name"], "credit_code": registry["credit_code"],
        "legal_representative": registry["legal_representative"],
        "enterprise_type": registry["entity_type"],
        "registered_capital": f"{registry['registered_capital']}万元人民币",
        "established_on": registry["established_on"], "address": registry["registered_address"],
        "business_scope": registry["business_scope"],
    }  # fmt: skip


async def issue_demo_licenses(db: AsyncSession, protector: DataProtector) -> int:
    """Issue the demo licenses that are missing; returns how many were issued."""
    wallet = WalletService(db, protector=protector, license_types=default_catalog().licenses)
    records = load_demo_records()
    before = await db.scalar(select(func.count()).select_from(License)) or 0
    current: set[str] = set()
    for phone, (number, licenses) in _PERSONAL.items():
        person = await find_by_phone(db, protector, phone)
        if person is None:
            continue
        for code in licenses:
            fields = {"id_number": number, **PERSONAL_FIELDS[code](records, number)}
            ref = f"{VERSION}:{code}:{person.id}"
            current.add(ref)
            await wallet.issue(Holder.person(person.id), code, fields, source_ref=ref)
    for enterprise in await db.scalars(select(Enterprise).order_by(Enterprise.credit_code)):
        if ("enterprise-registry", enterprise.credit_code) not in records:
            continue  # not in the market registry (a social organisation): no business licence
        ref = f"{VERSION}:business-licence:{enterprise.id}"
        current.add(ref)
        await wallet.issue(
            Holder.enterprise(enterprise.id),
            "business-licence",
            business_licence_fields(records, enterprise.credit_code),
            number=enterprise.credit_code,  # a business licence's number is the credit code
            holder_name=enterprise.name,
            source_ref=ref,
        )
    await _revoke_superseded(wallet, db, current)
    after = await db.scalar(select(func.count()).select_from(License)) or 0
    return after - before


async def _revoke_superseded(wallet: WalletService, db: AsyncSession, current: set[str]) -> None:
    old = await db.scalars(
        select(License).where(
            License.source_ref.like("demo%:%"), License.status == LicenseStatus.ISSUED
        )
    )
    for license_ in old.all():
        if license_.source_ref not in current:
            await wallet.revoke(license_, SUPERSEDED)
