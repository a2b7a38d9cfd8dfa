"""The mini-program's enterprise calls, and enterprises recorded from "the registry" (CLI)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app import errors
from app.cli import main
from app.commands.registry import register_enterprise
from app.composition.build import create_engine, protector_for
from app.composition.runtime import Runtime
from app.config import Settings
from app.enterprises.service import EnterpriseService
from app.identity.persons import find_or_create_by_phone
from tests.conftest import in_app, latest_code, make_settings
from tests.integration.enterprises.test_enterprises import credit_code


def _phone() -> str:
    return f"134{uuid.uuid4().int % 10**8:08d}"


async def _bearer(client: AsyncTestClient[Litestar], phone: str) -> dict[str, str]:
    sent = await client.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    answer = await client.post(
        "/mp/v1/auth/sms", json={"phone": phone, "code": await latest_code(client)}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['tokens']['accessToken']}"}


async def _register(client: AsyncTestClient[Litestar], code: str, phone: str) -> str:
    runtime: Runtime = client.app.state.runtime

    async def register() -> str:
        async with runtime.sessionmaker() as db, db.begin():
            service = EnterpriseService(db, protector=runtime.protector)
            return str((await service.register_from_registry(code, "接口测试企业", phone)).id)

    return await in_app(client, register)


async def test_the_api_lists_my_enterprises_and_their_members_in_camel_case(
    client: AsyncTestClient[Litestar],
) -> None:
    phone = _phone()
    headers = await _bearer(client, phone)
    code = credit_code()
    enterprise_id = await _register(client, code, phone)

    mine = await client.get("/mp/v1/enterprises", headers=headers)
    assert mine.status_code == 200
    assert mine.json() == {
        "enterprises": [
            {"id": enterprise_id, "creditCode": code, "name": "接口测试企业",
             "role": "legal_representative"}
        ]
    }  # fmt: skip
    members = await client.get(f"/mp/v1/enterprises/{enterprise_id}/members", headers=headers)
    assert members.status_code == 200
    body = members.json()
    assert body["enterprise"]["id"] == enterprise_id
    [member] = body["members"]
    assert set(member) == {"personId", "displayName", "maskedPhone", "role", "addedAt", "isMe",
                           "removable", "roleChangeable"}  # fmt: skip
    assert (member["removable"], member["roleChangeable"]) == (False, False)  # oneself, fixed
    assert body["canAddAgents"] is True
    assert member["maskedPhone"] == f"{phone[:3]}****{phone[-4:]}"
    assert member["isMe"] is True
    assert phone not in members.text


async def test_the_api_answers_404_problem_details_for_another_enterprise(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = _phone()
    await _bearer(client, owner)
    theirs = await _register(client, credit_code(), owner)
    headers = await _bearer(client, _phone())

    other = await client.get(f"/mp/v1/enterprises/{theirs}/members", headers=headers)
    missing = await client.get(f"/mp/v1/enterprises/{uuid.uuid4()}/members", headers=headers)
    assert other.status_code == missing.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert {k: v for k, v in other.json().items() if k not in ("instance", "requestId")} == {
        k: v for k, v in missing.json().items() if k not in ("instance", "requestId")
    }
    assert (await client.get("/mp/v1/enterprises", headers=headers)).json() == {"enterprises": []}
    assert (await client.get("/mp/v1/enterprises")).status_code == 401


async def test_the_registry_refuses_a_wrong_credit_code_an_unknown_person_and_a_duplicate(
    client: AsyncTestClient[Litestar],
) -> None:
    phone = _phone()
    await _bearer(client, phone)
    code = credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    runtime: Runtime = client.app.state.runtime

    async def attempt(code: str, phone: str) -> errors.DomainError | None:
        async with runtime.sessionmaker() as db, db.begin():
            try:
                await EnterpriseService(db, protector=runtime.protector).register_from_registry(
                    code, "校验测试企业", phone
                )
            except errors.DomainError as exc:
                return exc
            return None

    refused = await in_app(client, attempt, wrong, phone)
    assert isinstance(refused, errors.RuleViolation)
    assert set(refused.fields) == {"credit_code"}
    unknown = await in_app(client, attempt, code, _phone())
    assert isinstance(unknown, errors.RuleViolation)
    assert set(unknown.fields) == {"legal_rep_phone"}
    assert await in_app(client, attempt, f" {code.lower()} ", phone) is None  # normalized
    assert isinstance(await in_app(client, attempt, code, phone), errors.Conflict)


@pytest.fixture
def cli_settings(
    tmp_path: Path, migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings the CLI reads from the environment, on the shared test database."""
    settings = make_settings(tmp_path / "cli", migrated_database_url)
    monkeypatch.setenv("ONETHING_ENV", "test")
    monkeypatch.setenv("ONETHING_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("DATABASE_URL", migrated_database_url)
    return settings


def _account(settings: Settings, phone: str) -> None:
    """As if ``phone`` had signed in once (with the CLI's keys)."""

    async def create() -> None:
        engine = create_engine(settings)
        try:
            from sqlalchemy.ext.asyncio import async_sessionmaker

            async with async_sessionmaker(engine)() as db, db.begin():
                await find_or_create_by_phone(db, protector_for(settings), phone)
        finally:
            await engine.dispose()

    asyncio.run(create())


def test_the_cli_creates_an_enterprise_and_refuses_a_bad_credit_code(
    cli_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = _phone()
    _account(cli_settings, phone)
    code = credit_code()
    argv = ["enterprise", "create", "--name", "命令行企业", "--legal-rep-phone", phone]

    assert main([*argv, "--credit-code", code[:-1] + "I"]) == 1
    assert "--credit-code" in capsys.readouterr().err
    assert main([*argv, "--credit-code", code]) == 0
    out = capsys.readouterr()
    assert code in out.out
    assert phone not in out.out + out.err
    assert main([*argv, "--credit-code", code]) == 1
    assert "已登记" in capsys.readouterr().err
    assert main([*argv[:-1], _phone(), "--credit-code", credit_code()]) == 1
    assert "--legal-rep-phone" in capsys.readouterr().err


def test_register_enterprise_reports_no_personal_data(cli_settings: Settings) -> None:
    phone = _phone()
    _account(cli_settings, phone)
    registered = asyncio.run(
        register_enterprise(
            cli_settings, credit_code=credit_code(), name="  两个   空格 ",
            legal_representative_phone=phone,
        )
    )  # fmt: skip
    assert registered.name == "两个 空格"
    assert phone not in repr(registered)
