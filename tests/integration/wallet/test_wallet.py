"""The wallet: a license issued by a finished matter appears for its holder, and only there."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import errors
from app.wallet.models import License, LicenseStatus
from app.wallet.offline import verify_license
from app.wallet.service import Holder
from tests.conftest import csrf_token, forget_code_cooldown, in_app, sign_in_as
from tests.integration.wallet_support import (
    HOUSEHOLD_FIELDS,
    Client,
    change_license,
    enterprise_of,
    issue,
    new_phone,
    person_id,
    wallet_for,
)

HOLDER = new_phone()
OTHER = new_phone()


async def test_an_issued_license_appears_in_its_holders_wallet_and_nowhere_else(
    client: Client,
) -> None:
    await sign_in_as(client, OTHER)
    other = await person_id(client, OTHER)
    await sign_in_as(client, HOLDER)
    holder = await person_id(client, HOLDER)
    issued = await issue(client, Holder.person(holder), source_ref=f"test:appears:{holder}")

    wallet = await client.get("/wallet")
    assert "居民户口簿(电子)" in wallet.text
    assert f"/me/licenses/{issued.id}" in wallet.text
    detail = await client.get(f"/me/licenses/{issued.id}")
    assert detail.status_code == 200
    assert "3502**********3186" in detail.text
    assert "350203199511203186" not in detail.text

    await forget_code_cooldown(client, OTHER)
    await sign_in_as(client, OTHER)
    assert f"/me/licenses/{issued.id}" not in (await client.get("/wallet")).text
    assert (await client.get(f"/me/licenses/{issued.id}")).status_code == 404
    assert (await client.get(f"/me/licenses/{issued.id}/card.png")).status_code == 404
    assert other != holder


async def test_issuing_twice_for_the_same_matter_result_returns_the_same_license(
    client: Client,
) -> None:
    await sign_in_as(client, HOLDER)
    holder = Holder.person(await person_id(client, HOLDER))
    first = await issue(client, holder, source_ref="test:twice")
    second = await issue(client, holder, source_ref="test:twice")
    assert second.id == first.id
    assert second.jws == first.jws


async def test_an_id_number_is_stored_encrypted_and_its_mask_is_what_gets_signed(
    client: Client,
) -> None:
    await sign_in_as(client, HOLDER)
    holder = Holder.person(await person_id(client, HOLDER))
    issued = await issue(client, holder, source_ref="test:encrypted")
    assert HOUSEHOLD_FIELDS["id_number"] not in json.dumps(issued.fields)
    assert HOUSEHOLD_FIELDS["id_number"] not in issued.jws
    jwks = (await client.get("/.well-known/jwks.json")).json()
    content = verify_license(issued.jws, jwks)
    assert content["fields"]["id_number"]["masked"] == "3502**********3186"
    assert content["sub"] == f"person:{holder.id}"


async def test_an_id_number_outside_its_field_is_refused_and_nothing_is_issued(
    client: Client,
) -> None:
    await sign_in_as(client, HOLDER)
    holder = Holder.person(await person_id(client, HOLDER))
    with pytest.raises(errors.RuleViolation) as refused:
        await issue(
            client,
            holder,
            fields={"name": "陈静", "address": "350203199511203186"},
            source_ref="test:sneaky",
        )
    assert "address" in refused.value.fields
    runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(select(License).where(License.source_ref == "test:sneaky"))
            return len(list(rows))

    assert await in_app(client, count) == 0


async def test_an_unknown_license_type_is_refused(client: Client) -> None:
    await sign_in_as(client, HOLDER)
    holder = Holder.person(await person_id(client, HOLDER))
    with pytest.raises(errors.RuleViolation) as refused:
        await issue(client, holder, "no-such-license", source_ref="test:unknown-type")
    assert "license_type" in refused.value.fields


async def test_revoking_keeps_the_license_with_its_reason(client: Client) -> None:
    await sign_in_as(client, HOLDER)
    holder = Holder.person(await person_id(client, HOLDER))
    issued = await issue(client, holder, source_ref="test:revoke")
    runtime = client.app.state.runtime

    async def revoke() -> None:
        async with runtime.sessionmaker() as db:
            wallet = wallet_for(db, client)
            found = await wallet.get_for(holder, issued.id)
            await wallet.revoke(found, "户口迁出")
            await db.commit()
            with pytest.raises(errors.Conflict):
                await wallet.revoke(found, "again")

    await in_app(client, revoke)
    page = await client.get(f"/me/licenses/{issued.id}")
    assert "已注销" in page.text or "Revoked" in page.text
    assert "户口迁出" in page.text


async def test_the_expiry_sweep_marks_licenses_past_their_validity_once(client: Client) -> None:
    await sign_in_as(client, HOLDER)
    holder = Holder.person(await person_id(client, HOLDER))
    issued = await issue(
        client,
        holder,
        source_ref="test:expire",
        valid_until=datetime.now(UTC) + timedelta(days=1),
    )
    await change_license(client, issued.id, valid_until=datetime.now(UTC) - timedelta(days=1))
    runtime = client.app.state.runtime

    async def sweep() -> tuple[int, int, LicenseStatus]:
        async with runtime.sessionmaker() as db:
            wallet = wallet_for(db, client)
            first = await wallet.expire_due()
            second = await wallet.expire_due()
            await db.commit()
            found = await wallet.get_for(holder, issued.id)
            await db.refresh(found)
            return first, second, found.status

    first, second, status = await in_app(client, sweep)
    assert first >= 1
    assert second == 0
    assert status == LicenseStatus.EXPIRED


async def test_the_wallet_tab_asks_anonymous_visitors_to_sign_in(client: Client) -> None:
    page = await client.get("/wallet")
    assert page.status_code == 200
    assert "/sign-in?next=/wallet" in page.text


async def test_a_member_acting_for_an_enterprise_shows_its_digital_card(client: Client) -> None:
    representative = new_phone()
    await sign_in_as(client, representative)
    enterprise_id, code, name = await enterprise_of(client, representative)
    licence = await issue(
        client,
        Holder.enterprise(enterprise_id),
        "business-licence",
        {"enterprise_name": name, "credit_code": code, "legal_representative": "陈静"},
        source_ref=f"test:business:{enterprise_id}",
    )
    assert f"/me/licenses/{licence.id}" not in (await client.get("/wallet")).text
    assert (await client.get(f"/me/licenses/{licence.id}")).status_code == 404

    token = await csrf_token(client)
    form = {"enterprise_id": str(enterprise_id), "next": "/wallet", "_csrf_token": token}
    switched = await client.post("/me/acting-as", data=form)
    assert switched.status_code == 200
    assert f"/me/licenses/{licence.id}" in switched.text
    card = await client.get(f"/me/licenses/{licence.id}/card?f=enterprise_name&f=credit_code")
    assert card.status_code == 200
    assert "企业数字名片" in card.text
    assert code in card.text

    await client.post("/me/acting-as", data={**form, "enterprise_id": "", "next": "/me"})
    assert (await client.get(f"/me/licenses/{licence.id}")).status_code == 404


async def test_the_worker_runs_the_expiry_sweep_every_hour_and_twice_changes_nothing(
    client: Client,
) -> None:
    from app.worker import expire_licenses, worker_options

    settings = client.app.state.settings
    runtime = client.app.state.runtime
    options = worker_options(settings, runtime.engine, runtime.job_context())
    crons = [job.name for job in options["cron_jobs"]]
    assert "cron:expire_licenses" in crons
    await sign_in_as(client, HOLDER)
    holder = Holder.person(await person_id(client, HOLDER))
    issued = await issue(
        client,
        holder,
        source_ref=f"test:cron:{holder.id}",
        valid_until=datetime.now(UTC) + timedelta(days=1),
    )
    await change_license(client, issued.id, valid_until=datetime.now(UTC) - timedelta(seconds=1))
    ctx = options["ctx"]
    assert await in_app(client, expire_licenses, ctx) >= 1
    assert await in_app(client, expire_licenses, ctx) == 0
