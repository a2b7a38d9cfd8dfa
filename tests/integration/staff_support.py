"""Staff accounts for tests: made through the real service, signed in through the real form."""

from __future__ import annotations

import re
import time
import uuid

import pyotp
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.composition.runtime import Runtime
from app.staff.models import TOTP_SECRET_AAD, Staff
from app.staff.service import StaffCreate, StaffService
from tests.conftest import csrf_token, in_app

PASSWORD = "correct horse battery staple"
# PASSWORD as the scrypt code before Argon2id stored it (n=2**15, r=8, p=1, 16-byte salt).
LEGACY_SCRYPT_HASH = (
    "scrypt$n=32768,r=8,p=1$L360vlIm5wb2kwAH1jMgRA$77wwVm9dWWRQu6nvE1EQCBGKoSjGQoz0_vIQPVQmvg4"
)
_PENDING = re.compile(r'name="pending" value="([^"]+)"')


def new_username() -> str:
    """A fresh username per test (the database is shared by the session)."""
    return f"staff-{uuid.uuid4().hex[:10]}"


async def create_staff(
    client: AsyncTestClient[Litestar],
    *,
    role: str = "window_clerk",
    department_code: str = "",
    password: str = PASSWORD,
) -> Staff:
    """A new account, as the admin page or the command line would make it."""
    runtime: Runtime = client.app.state.runtime
    data = StaffCreate(
        username=new_username(),
        display_name="Test Clerk",
        role=role,
        department_code=department_code,
        password=password,
    )

    async def create() -> Staff:
        async with runtime.sessionmaker() as db, db.begin():
            service = StaffService(db, keyring=runtime.protector.keyring)
            return (await service.create(data, actor="test")).staff

    return await in_app(client, create)


async def load_staff(client: AsyncTestClient[Litestar], username: str) -> Staff:
    """The account as stored now."""
    runtime: Runtime = client.app.state.runtime

    async def load() -> Staff:
        async with runtime.sessionmaker() as db:
            staff = await db.scalar(select(Staff).where(Staff.username == username))
            assert staff is not None
            return staff

    return await in_app(client, load)


async def totp_of(client: AsyncTestClient[Litestar], username: str) -> pyotp.TOTP:
    """The account's authenticator, as the phone app would hold it."""
    runtime: Runtime = client.app.state.runtime
    staff = await load_staff(client, username)
    secret = runtime.protector.keyring.decrypt(
        staff.totp_secret_ciphertext, associated_data=TOTP_SECRET_AAD
    )
    return pyotp.TOTP(secret)


def code_at(totp: pyotp.TOTP, steps_ahead: int = 0) -> str:
    """The code of the current step, or of a neighbouring one (still accepted: clock drift)."""
    return str(totp.at(time.time() + steps_ahead * 30))


def wrong_code(totp: pyotp.TOTP) -> str:
    """A code that no step in the accepted window produces."""
    valid = {code_at(totp, offset) for offset in (-1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)


async def submit_password(
    client: AsyncTestClient[Litestar], username: str, password: str = PASSWORD
) -> Response:
    """Step 1 of the form."""
    token = await csrf_token(client)
    return await client.post(
        "/staff/sign-in",
        data={"username": username, "password": password, "_csrf_token": token},
    )


async def submit_code(client: AsyncTestClient[Litestar], step_one: Response, code: str) -> Response:
    """Step 2 of the form, with the pending token step 1 put in the page."""
    found = _PENDING.search(step_one.text)
    assert found, step_one.text
    token = await csrf_token(client)
    return await client.post(
        "/staff/sign-in",
        data={"pending": found.group(1), "code": code, "_csrf_token": token},
        follow_redirects=False,
    )


async def sign_in_staff(
    client: AsyncTestClient[Litestar],
    username: str,
    *,
    password: str = PASSWORD,
    steps_ahead: int = 0,
) -> Response:
    """Both steps with the right password and code (enrolling on the first sign-in)."""
    step_one = await submit_password(client, username, password)
    assert step_one.status_code == 200, step_one.text
    totp = await totp_of(client, username)
    done = await submit_code(client, step_one, code_at(totp, steps_ahead))
    assert done.status_code == 303, done.text
    return done
