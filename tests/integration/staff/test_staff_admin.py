"""Administering staff accounts: the admin page, the command line, and disabling."""

from __future__ import annotations

import asyncio
import io
import re
from contextlib import redirect_stdout

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.cli import main
from app.composition.runtime import Runtime
from app.config import Settings
from app.staff.service import StaffService
from tests.conftest import csrf_token, in_app
from tests.integration.staff_support import (
    create_staff,
    load_staff,
    new_username,
    sign_in_staff,
    submit_password,
    totp_of,
)


async def _disable(client: AsyncTestClient[Litestar], username: str, *, with_store: bool) -> None:
    runtime: Runtime = client.app.state.runtime

    async def disable() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            service = StaffService(
                db,
                keyring=runtime.protector.keyring,
                sessions=runtime.sessions if with_store else None,
            )
            await service.disable(username, actor="test")

    await in_app(client, disable)


@pytest.mark.parametrize("with_store", [True, False], ids=["sessions-ended", "epoch-only"])
async def test_disabling_an_account_ends_its_sessions_at_the_next_request(
    client: AsyncTestClient[Litestar], with_store: bool
) -> None:
    staff = await create_staff(client)
    await sign_in_staff(client, staff.username)
    assert (await client.get("/staff")).status_code == 200

    await _disable(client, staff.username, with_store=with_store)

    assert (await client.get("/staff", follow_redirects=False)).status_code == 303
    assert (await submit_password(client, staff.username)).status_code == 422


async def test_an_administrator_creates_an_account_and_sees_its_password_once(
    client: AsyncTestClient[Litestar],
) -> None:
    admin = await create_staff(client, role="administrator")
    await sign_in_staff(client, admin.username)
    username = new_username()

    created = await client.post(
        "/staff/admin/staff",
        data={
            "username": username,
            "display_name": "王审核",
            "role": "reviewer",
            "department_code": "health",
            "_csrf_token": await csrf_token(client),
        },
    )

    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    password = re.search(r'<code class="secret">([a-z2-9-]{23})</code>', created.text)
    assert password, created.text
    listing = await client.get("/staff/admin/staff")
    assert username in listing.text
    assert password.group(1) not in listing.text
    stored = await load_staff(client, username)
    assert stored.department_id is not None
    client.cookies.clear()
    step_one = await submit_password(client, username, password.group(1))
    assert step_one.status_code == 200
    assert (await totp_of(client, username)).secret in step_one.text


async def test_a_wrong_form_is_shown_again_with_each_reason(
    client: AsyncTestClient[Litestar],
) -> None:
    admin = await create_staff(client, role="administrator")
    await sign_in_staff(client, admin.username)

    refused = await client.post(
        "/staff/admin/staff",
        data={
            "username": "x",
            "display_name": "",
            "role": "reviewer",
            "_csrf_token": await csrf_token(client),
        },
        headers={"Accept-Language": "en"},
    )

    assert refused.status_code == 422
    assert refused.text.count('aria-invalid="true"') == 3
    assert "A reviewer belongs to a department" in refused.text
    assert 'value="x"' in refused.text


async def test_an_administrator_disables_an_account_but_not_their_own(
    client: AsyncTestClient[Litestar],
) -> None:
    admin = await create_staff(client, role="administrator")
    clerk = await create_staff(client)
    await sign_in_staff(client, admin.username)
    token = await csrf_token(client)

    done = await client.post(
        f"/staff/admin/staff/{clerk.username}/disable",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    own = await client.post(
        f"/staff/admin/staff/{admin.username}/disable", data={"_csrf_token": token}
    )

    assert done.status_code == 303
    assert not (await load_staff(client, clerk.username)).is_active
    assert own.status_code == 422
    assert (await load_staff(client, admin.username)).is_active


async def test_the_command_line_creates_an_account_that_can_sign_in_and_disables_it(
    client: AsyncTestClient[Litestar], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same database and var dir (hence the same protection keys) as the app under test.
    monkeypatch.setenv("DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("ONETHING_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("ONETHING_ENV", "test")
    username = new_username()

    output = io.StringIO()
    with redirect_stdout(output):
        code = await asyncio.to_thread(
            main,
            [
                "staff",
                "create",
                "--username",
                username,
                "--name",
                "李窗口",
                "--role",
                "window_clerk",
            ],
        )
    assert code == 0
    password = re.search(r"Initial password: (\S+)", output.getvalue())
    assert password
    await sign_in_staff(client, username, password=password.group(1))
    assert (await client.get("/staff")).status_code == 200

    with redirect_stdout(io.StringIO()):
        code = await asyncio.to_thread(main, ["staff", "disable", username])

    assert code == 0
    assert (await client.get("/staff", follow_redirects=False)).status_code == 303
