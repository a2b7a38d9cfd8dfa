"""What the wallet tests share: issuing a license for a signed-in test person, in the app."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from stdnum.cn import uscc

from app.catalog.loader import default_catalog
from app.enterprises.service import EnterpriseService
from app.identity.persons import find_by_phone
from app.wallet.models import License
from app.wallet.service import Holder, WalletService
from tests.conftest import in_app

Client = AsyncTestClient[Litestar]
HOUSEHOLD_FIELDS = {
    "name": "陈静",
    "id_number": "350203199511203186",
    "address": "示例市思明区鹭江道1号",
    "relation": "户主",
}


def wallet_for(db: Any, client: Client) -> WalletService:
    """A wallet service on ``db`` with the app's protector and the repository's catalog."""
    runtime = client.app.state.runtime
    return WalletService(db, protector=runtime.protector, license_types=default_catalog().licenses)


async def person_id(client: Client, phone: str) -> UUID:
    """The id of the person with this phone (they must have signed in once)."""
    runtime = client.app.state.runtime

    async def find() -> UUID:
        async with runtime.sessionmaker() as db:
            person = await find_by_phone(db, runtime.protector, phone)
            assert person is not None
            return person.id

    return await in_app(client, find)


async def issue(
    client: Client,
    holder: Holder,
    license_type: str = "household-register",
    fields: dict[str, str] | None = None,
    *,
    source_ref: str,
    valid_until: datetime | None = None,
) -> License:
    """Issue a license as a finished matter would, committed."""
    runtime = client.app.state.runtime

    async def run() -> License:
        async with runtime.sessionmaker() as db:
            issued = await wallet_for(db, client).issue(
                holder,
                license_type,
                HOUSEHOLD_FIELDS if fields is None else fields,
                source_ref=source_ref,
                valid_until=valid_until,
            )
            await db.commit()
            return issued

    return await in_app(client, run)


async def change_license(client: Client, license_id: UUID, **values: Any) -> None:
    """Set columns of a license directly (to move it past its validity, say)."""
    runtime = client.app.state.runtime

    async def run() -> None:
        async with runtime.sessionmaker() as db:
            found = await db.get(License, license_id)
            assert found is not None
            for name, value in values.items():
                setattr(found, name, value)
            await db.commit()

    await in_app(client, run)


def new_phone() -> str:
    """A mainland mobile number no other test uses."""
    return f"136{uuid.uuid4().int % 10**8:08d}"


def new_credit_code() -> str:
    """A fresh, valid unified social credit code."""
    body = "91" + "".join(secrets.choice("0123456789") for _ in range(6))
    body += "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


async def enterprise_of(client: Client, representative_phone: str) -> tuple[UUID, str, str]:
    """Register an enterprise with this legal representative; (id, credit code, name)."""
    runtime = client.app.state.runtime
    code, name = new_credit_code(), f"测试企业{secrets.token_hex(3)}"

    async def register() -> UUID:
        async with runtime.sessionmaker() as db, db.begin():
            service = EnterpriseService(db, protector=runtime.protector)
            found = await service.register_from_registry(code, name, representative_phone)
            return found.id

    return await in_app(client, register), code, name
