"""Demo licenses for the demo accounts and enterprises, issued through ``WalletService.issue``.

Idempotent like the rest of the demo data: each license's ``source_ref`` names its holder
and type, so a second run issues nothing new. The people are the fictional records of
``app/demo/population.toml`` that go with the demo accounts of ``enterprises.toml``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.loader import default_catalog
from app.enterprises.models import Enterprise
from app.identity.persons import find_by_phone
from app.numbers import birth_date_of
from app.protection import DataProtector
from app.wallet.models import License
from app.wallet.service import Holder, WalletService

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
# Demo account -> its licenses (type, extra fields). Name and ID number come from the records.
_PERSONAL: dict[str, list[tuple[str, dict[str, str]]]] = {
    "13800138000": [
        (
            "household-register",
            {
                "address": "示例市鹭江区滨江路8号3栋501",
                "household_head": "张伟",
                "relation": "户主",
            },
        ),
        ("social-security-card", {"card_number": "A01234567", "bank": "示例市商业银行"}),
    ],
    "13800138001": [
        (
            "household-register",
            {"address": "示例市城东区和平街21号", "household_head": "李娜", "relation": "户主"},
        ),
        ("disability-certificate", {"disability_category": "视力", "disability_grade": "四级"}),
    ],
    "13800138002": [
        (
            "real-estate-certificate",
            {
                "property_location": "示例市明湖区湖光路66号2单元1202室",
                "property_area": "89.5㎡",
                "property_use": "住宅",
            },
        ),
    ],
}
_BUSINESS = {
    "91310115MA1K4D7Q50": {
        "enterprise_type": "有限责任公司(自然人投资或控股)",
        "registered_capital": "500万元人民币",
        "established_on": "2019-03-18",
        "address": "示例市鹭江区科创大道100号",
        "business_scope": "软件开发;信息技术咨询服务",
    },
    "91310104MA1FR8N2XY": {
        "enterprise_type": "有限责任公司(自然人独资)",
        "registered_capital": "50万元人民币",
        "established_on": "2021-07-01",
        "address": "示例市明湖区湖滨路12号",
        "business_scope": "餐饮服务;食品销售",
    },
}


async def issue_demo_licenses(db: AsyncSession, protector: DataProtector) -> int:
    """Issue the demo licenses that are missing; returns how many were issued."""
    wallet = WalletService(db, protector=protector, license_types=default_catalog().licenses)
    before = await db.scalar(select(func.count()).select_from(License)) or 0
    records = tomllib.loads((DEMO_DIR / "population.toml").read_text("utf-8"))["record"]
    for record, (phone, licenses) in zip(records, _PERSONAL.items(), strict=False):
        person = await find_by_phone(db, protector, phone)
        if person is None:
            continue
        for code, extra in licenses:
            fields = {"name": record["name"], "id_number": record["id_number"], **extra}
            if code == "household-register":
                fields["birth_date"] = birth_date_of(record["id_number"]).isoformat()
            await wallet.issue(
                Holder.person(person.id), code, fields, source_ref=f"demo:{code}:{person.id}"
            )
    for enterprise in await db.scalars(select(Enterprise).order_by(Enterprise.credit_code)):
        business = _BUSINESS.get(enterprise.credit_code)
        if business is not None:
            await _business_licence(wallet, enterprise, records[0]["name"], business)
    after = await db.scalar(select(func.count()).select_from(License)) or 0
    return after - before


async def _business_licence(
    wallet: WalletService, enterprise: Enterprise, representative: str, extra: dict[str, Any]
) -> None:
    fields = {
        "enterprise_name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "legal_representative": representative,
        **extra,
    }
    await wallet.issue(
        Holder.enterprise(enterprise.id),
        "business-licence",
        fields,
        number=enterprise.credit_code,  # a business licence's number is the credit code
        holder_name=enterprise.name,
        source_ref=f"demo:business-licence:{enterprise.id}",
    )
