"""What the pages did that ``/mp/v1`` did not (issue #16, parity): connected apps, signing out
everywhere, the enterprise space and revealing full numbers — each end to end for its owner,
another person's object answering 404 as a missing one, bad input changing nothing, and no
token answering 401."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.composition.runtime import Runtime
from app.identity.models import SecurityEvent, SecurityEventKind
from app.oidc.consents import ConsentBook
from app.oidc.models import OidcClient, OidcConsent
from app.privacy import mask_phone
from app.records.exchange import DemoRecordExchange
from app.records.models import RecordConsent
from app.wallet.service import Holder
from tests.conftest import forget_code_cooldown, in_app, latest_code, sign_in_as
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.records_support import new_id_number, new_phone, write_records
from tests.integration.wallet.test_license_import import _verified
from tests.integration.wallet_support import enterprise_of, issue

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}


def _problem(answer: Any) -> dict[str, Any]:
    """A problem's body without what differs by request (its id and path)."""
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    body = dict(answer.json())
    body.pop("requestId")
    body["instance"] = re.sub(r"[0-9a-f-]{36}", "<id>", body["instance"])
    return body


async def _signed_in(client: Client) -> tuple[str, dict[str, str]]:
    phone = new_phone()
    return phone, {**await bearer(client, phone), **EN}


async def _person_id(client: Client, auth: dict[str, str]) -> UUID:
    runtime: Runtime = client.app.state.runtime
    token = auth["Authorization"].removeprefix("Bearer ")
    grant = await in_app(client, runtime.tokens.check_access, token)
    return grant.person_id


async def _events(client: Client, person_id: UUID, kind: SecurityEventKind) -> int:
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            found = await db.scalar(
                select(func.count())
                .select_from(SecurityEvent)
                .where(SecurityEvent.person_id == person_id, SecurityEvent.kind == kind)
            )
            return int(found or 0)

    return await in_app(client, count)


# --- connected apps ----------------------------------------------------------------------


async def _consent(client: Client, person_id: UUID, scopes: list[str]) -> UUID:
    """As if the person had allowed a new app these scopes on the consent page."""
    runtime: Runtime = client.app.state.runtime

    async def consent() -> UUID:
        async with runtime.sessionmaker() as db, db.begin():
            app = OidcClient(client_id=f"rp-{uuid.uuid4().hex[:12]}", name="市公积金中心",
                             redirect_uris=["https://rp.example/cb"])  # fmt: skip
            db.add(app)
            await db.flush()
            await ConsentBook(db).record(person_id, app.id, asked=scopes, granted=scopes)
            found = await db.scalar(select(OidcConsent.id).where(
                OidcConsent.person_id == person_id, OidcConsent.client_id == app.id
            ))  # fmt: skip
            assert found is not None
            return found

    return await in_app(client, consent)


async def _consents(client: Client, person_id: UUID) -> int:
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            found = await db.scalar(
                select(func.count())
                .select_from(OidcConsent)
                .where(OidcConsent.person_id == person_id)
            )
            return int(found or 0)

    return await in_app(client, count)


async def test_connected_apps_are_listed_in_words_and_withdrawn_by_their_owner_only(
    client: Client,
) -> None:
    _, auth = await _signed_in(client)
    _, other = await _signed_in(client)
    me, them = await _person_id(client, auth), await _person_id(client, other)
    consent_id = await _consent(client, me, ["openid", "phone"])
    theirs = await _consent(client, them, ["openid", "profile"])

    listed = await client.get("/mp/v1/me/connected-apps", headers=auth)
    assert listed.status_code == 200, listed.text
    (app,) = listed.json()["apps"]
    assert app["id"] == str(consent_id)
    assert app["clientName"] == "市公积金中心"
    assert app["scopes"] == ["openid", "phone"]
    assert app["scopeLabels"][1] == "Your mobile number"
    assert {"decidedAt"} <= set(app)

    # Someone else's consent answers exactly as one that does not exist, and stays.
    foreign = await client.post(f"/mp/v1/me/connected-apps/{theirs}/withdraw", headers=auth)
    missing = await client.post(f"/mp/v1/me/connected-apps/{uuid.uuid4()}/withdraw",
                                headers=auth)  # fmt: skip
    assert foreign.status_code == missing.status_code == 404
    assert _problem(foreign) == _problem(missing)
    assert await _consents(client, them) == 1
    bad = await client.post("/mp/v1/me/connected-apps/not-an-id/withdraw", headers=auth)
    assert bad.status_code in (400, 404)
    assert await _consents(client, me) == 1

    withdrawn = await client.post(f"/mp/v1/me/connected-apps/{consent_id}/withdraw",
                                  headers=auth)  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json() == {"apps": []}
    assert await _consents(client, me) == 0
    again = await client.post(f"/mp/v1/me/connected-apps/{consent_id}/withdraw", headers=auth)
    assert again.status_code == 404


async def test_connected_apps_need_a_token(client: Client) -> None:
    assert (await client.get("/mp/v1/me/connected-apps")).status_code == 401
    answer = await client.post(f"/mp/v1/me/connected-apps/{uuid.uuid4()}/withdraw")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")


# --- signing out everywhere --------------------------------------------------------------


async def _tokens(client: Client, phone: str) -> dict[str, Any]:
    await forget_code_cooldown(client, phone)
    sent = await client.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    answer = await client.post(
        "/mp/v1/auth/sms", json={"phone": phone, "code": await latest_code(client)}
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()["tokens"]
    return tokens


async def test_signing_out_everywhere_ends_every_token_and_web_session_of_the_person(
    client: Client,
) -> None:
    phone, bystander = new_phone(), new_phone()
    here, there = await _tokens(client, phone), await _tokens(client, phone)
    elsewhere = await _tokens(client, bystander)
    await forget_code_cooldown(client, phone)
    await sign_in_as(client, phone)  # a web session too
    assert (await client.get("/me/sessions", follow_redirects=False)).status_code == 200
    auth = {"Authorization": f"Bearer {here['accessToken']}"}
    person_id = await _person_id(client, auth)

    ended = await client.post("/mp/v1/auth/sign-out-everywhere", headers=auth)
    assert ended.status_code == 204, ended.text

    for pair in (here, there):
        answer = await client.get(
            "/mp/v1/me", headers={"Authorization": f"Bearer {pair['accessToken']}"}
        )
        assert answer.status_code == 401
        refreshed = await client.post(
            "/mp/v1/auth/refresh", json={"refreshToken": pair["refreshToken"]}
        )
        assert refreshed.status_code == 401
    again = await client.post("/mp/v1/auth/sign-out-everywhere", headers=auth)
    assert again.status_code == 401
    assert (await client.get("/me/sessions", follow_redirects=False)).status_code in (302, 303)
    assert await _events(client, person_id, SecurityEventKind.SIGN_OUT_EVERYWHERE) == 1
    # Someone else's sign-in is untouched, and signing in again works.
    other = {"Authorization": f"Bearer {elsewhere['accessToken']}"}
    assert (await client.get("/mp/v1/me", headers=other)).status_code == 200
    fresh = await _tokens(client, phone)
    mine = {"Authorization": f"Bearer {fresh['accessToken']}"}
    assert (await client.get("/mp/v1/me", headers=mine)).status_code == 200


async def test_signing_out_everywhere_needs_a_valid_token(client: Client) -> None:
    assert (await client.post("/mp/v1/auth/sign-out-everywhere")).status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert (await client.post("/mp/v1/auth/sign-out-everywhere", headers=forged)).status_code == 401


# --- the enterprise space ----------------------------------------------------------------


async def _registry_consents(client: Client, person_id: UUID) -> int:
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            found = await db.scalar(
                select(func.count())
                .select_from(RecordConsent)
                .where(RecordConsent.person_id == person_id)
            )
            return int(found or 0)

    return await in_app(client, count)


async def test_the_enterprise_space_shows_members_licenses_and_the_registry_with_consent(
    client: Client, tmp_path: Path
) -> None:
    phone, auth = await _signed_in(client)
    enterprise_id, code, name = await enterprise_of(client, phone)
    await issue(
        client, Holder.enterprise(enterprise_id), "business-licence",
        {"enterprise_name": name, "credit_code": code, "legal_representative": "周敏"},
        source_ref=f"test:{uuid.uuid4()}",
    )  # fmt: skip
    runtime: Runtime = client.app.state.runtime
    runtime.records = DemoRecordExchange(
        write_records(tmp_path, ("enterprise-registry", code, {"business_scope": "软件开发服务"}))
    )
    path = f"/mp/v1/enterprises/{enterprise_id}/space"

    space = await client.get(path, headers=auth)
    assert space.status_code == 200, space.text
    body = space.json()
    assert body["enterprise"] == {"id": str(enterprise_id), "creditCode": code, "name": name,
                                  "role": "legal_representative"}  # fmt: skip
    (member,) = body["members"]
    assert member["isMe"] is True
    assert member["maskedPhone"] == mask_phone(phone)
    assert body["canAddAgents"] is True
    assert [item["licenseType"] for item in body["licenses"]] == ["business-licence"]
    assert body["licenses"][0]["forEnterprise"] is True
    assert body["applications"] == []
    assert body["registryShared"] is False
    assert body["registry"] == []
    assert "软件开发服务" not in space.text  # the registry is read only after consent

    shared = await client.post(f"{path}/registry", headers=auth)
    assert shared.status_code == 200, shared.text
    assert shared.json()["registryShared"] is True
    facts = {fact["field"]: fact for fact in shared.json()["registry"]}
    assert facts["business_scope"]["value"] == "软件开发服务"
    assert facts["business_scope"]["label"] != "business_scope"  # in words
    data_use = await client.get("/mp/v1/me/data-use", headers=auth)
    assert any(e["source"] == "enterprise-registry" for e in data_use.json()["entries"])

    withdrawn = await client.post(f"{path}/registry/withdraw", headers=auth)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["registryShared"] is False
    assert "软件开发服务" not in withdrawn.text
    assert "软件开发服务" not in (await client.get(path, headers=auth)).text


async def test_someone_elses_enterprise_space_is_404_as_a_missing_one_and_changes_nothing(
    client: Client,
) -> None:
    owner, _ = await _signed_in(client)
    enterprise_id, _, name = await enterprise_of(client, owner)
    _, auth = await _signed_in(client)
    stranger = await _person_id(client, auth)
    for suffix in ("", "/registry", "/registry/withdraw"):
        method = client.get if not suffix else client.post
        foreign = await method(f"/mp/v1/enterprises/{enterprise_id}/space{suffix}", headers=auth)
        missing = await method(f"/mp/v1/enterprises/{uuid.uuid4()}/space{suffix}", headers=auth)
        assert foreign.status_code == missing.status_code == 404, suffix
        assert _problem(foreign) == _problem(missing)
        assert name not in foreign.text
    assert await _registry_consents(client, stranger) == 0
    bad = await client.get("/mp/v1/enterprises/not-an-id/space", headers=auth)
    assert bad.status_code in (400, 404)


async def test_the_enterprise_space_needs_a_token(client: Client) -> None:
    path = f"/mp/v1/enterprises/{uuid.uuid4()}/space"
    assert (await client.get(path)).status_code == 401
    assert (await client.post(f"{path}/registry")).status_code == 401
    assert (await client.post(f"{path}/registry/withdraw")).status_code == 401


# --- revealing full numbers --------------------------------------------------------------


async def test_full_numbers_are_answered_after_a_fresh_code_with_limits_and_audit(
    client: Client,
) -> None:
    phone, number = new_phone(), new_id_number()
    person_id = await _verified(client, phone, number)
    auth = {**await bearer(client, phone), **EN}
    await forget_code_cooldown(client, phone)

    sent = await client.post("/mp/v1/me/reveal/code", headers=auth)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"maskedPhone": mask_phone(phone)}
    assert "no-store" in sent.headers["cache-control"]
    code = await latest_code(client)
    soon = await client.post("/mp/v1/me/reveal/code", headers=auth)  # one code a minute
    assert soon.status_code == 429
    assert _problem(soon)["code"] == "rate_limited"
    assert int(soon.headers["retry-after"]) > 0

    empty = await client.post("/mp/v1/me/reveal", headers=auth, json={})
    assert empty.status_code == 400
    assert _problem(empty)["code"] == "validation_failed"
    assert await _events(client, person_id, SecurityEventKind.REVEAL_REFUSED) == 0
    wrong = await client.post("/mp/v1/me/reveal", headers=auth, json={"code": "x"})
    assert wrong.status_code == 422
    assert [e["field"] for e in _problem(wrong)["errors"]] == ["code"]
    assert number not in wrong.text
    assert await _events(client, person_id, SecurityEventKind.REVEAL_REFUSED) == 1
    assert await _events(client, person_id, SecurityEventKind.NUMBERS_REVEALED) == 0

    shown = await client.post("/mp/v1/me/reveal", headers=auth, json={"code": code})
    assert shown.status_code == 200, shown.text
    assert "no-store" in shown.headers["cache-control"]
    full = shown.json()
    assert (full["phone"], full["idNumber"]) == (phone, number)
    assert full["revealSeconds"] == 300
    assert await _events(client, person_id, SecurityEventKind.NUMBERS_REVEALED) == 1
    # A code works once.
    replay = await client.post("/mp/v1/me/reveal", headers=auth, json={"code": code})
    assert replay.status_code == 422
    # /me still answers masked: the reveal is this answer's only.
    assert number not in (await client.get("/mp/v1/me", headers=auth)).text


async def test_a_person_not_yet_verified_sees_the_phone_and_no_id_number(client: Client) -> None:
    phone, auth = await _signed_in(client)
    await forget_code_cooldown(client, phone)
    assert (await client.post("/mp/v1/me/reveal/code", headers=auth)).status_code == 202
    shown = await client.post(
        "/mp/v1/me/reveal", headers=auth, json={"code": await latest_code(client)}
    )
    assert shown.status_code == 200, shown.text
    assert shown.json()["phone"] == phone
    assert shown.json()["idNumber"] is None


async def test_revealing_needs_a_token(client: Client) -> None:
    assert (await client.post("/mp/v1/me/reveal/code")).status_code == 401
    assert (await client.post("/mp/v1/me/reveal", json={"code": "123456"})).status_code == 401
