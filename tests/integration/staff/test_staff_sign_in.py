"""Staff sign in with a password and a TOTP code, through the real app."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from app.composition.runtime import Runtime
from app.identity.models import SecurityEvent
from app.staff.models import Staff
from app.staff.passwords import hash_password, needs_rehash, verify_password
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.staff_support import (
    LEGACY_SCRYPT_HASH,
    PASSWORD,
    code_at,
    create_staff,
    load_staff,
    new_username,
    sign_in_staff,
    submit_code,
    submit_password,
    totp_of,
    wrong_code,
)

FAILED_EN = "Sign-in failed. Check your details, or try again later."


def _same_page(body: str) -> str:
    return re.sub(r'name="_csrf_token" value="[^"]*"', "", body)


async def _events(client: AsyncTestClient[Litestar], staff_id: object) -> list[tuple[str, str]]:
    runtime: Runtime = client.app.state.runtime

    async def read() -> list[tuple[str, str]]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.staff_id == staff_id)
                .order_by(SecurityEvent.id)
            )
            return [(str(event.kind), event.detail) for event in rows]

    return await in_app(client, read)


async def test_the_first_sign_in_enrols_the_authenticator_then_opens_the_staff_home(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    step_one = await submit_password(client, staff.username)
    totp = await totp_of(client, staff.username)

    assert step_one.status_code == 200
    assert totp.secret in step_one.text
    assert "otpauth://totp/" in step_one.text
    assert step_one.headers["cache-control"] == "no-store"

    done = await submit_code(client, step_one, code_at(totp))
    assert done.status_code == 303
    assert done.headers["location"] == "/staff"
    home = await client.get("/staff")
    assert home.status_code == 200
    assert staff.username in home.text
    assert (await load_staff(client, staff.username)).totp_confirmed_at is not None


async def test_a_later_sign_in_asks_for_the_code_without_showing_the_secret_again(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    await sign_in_staff(client, staff.username)
    client.cookies.clear()

    step_one = await submit_password(client, staff.username)
    totp = await totp_of(client, staff.username)
    assert step_one.status_code == 200
    assert totp.secret not in step_one.text
    assert "otpauth://" not in step_one.text
    done = await submit_code(client, step_one, code_at(totp, steps_ahead=1))
    assert done.status_code == 303


async def test_usernames_are_not_case_sensitive(client: AsyncTestClient[Litestar]) -> None:
    staff = await create_staff(client)
    assert (await submit_password(client, staff.username.upper())).status_code == 200


async def test_unknown_user_wrong_password_wrong_code_and_locked_all_get_the_same_answer(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    unknown = await submit_password(client, new_username())
    wrong_password = await submit_password(client, staff.username, "not the password at all")
    step_one = await submit_password(client, staff.username)
    wrong = await submit_code(client, step_one, wrong_code(await totp_of(client, staff.username)))
    for _ in range(3):
        await submit_password(client, staff.username, "still not the password")
    locked = await submit_password(client, staff.username)  # right password, locked account

    answers = [unknown, wrong_password, wrong, locked]
    assert [answer.status_code for answer in answers] == [422] * 4
    pages = [_same_page(answer.text) for answer in answers]
    for page in pages[1:]:
        assert page == pages[0], "\n".join(
            difflib.unified_diff(pages[0].splitlines(), page.splitlines())
        )
    english = await client.post(
        "/staff/sign-in",
        data={"username": "x", "password": "y", "_csrf_token": client.cookies["csrftoken"]},
        headers={"Accept-Language": "en"},
    )
    assert FAILED_EN in english.text
    assert "sid" not in client.cookies


async def test_five_failures_lock_the_account_for_15_minutes_even_for_the_right_password(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    for _ in range(5):
        assert (
            await submit_password(client, staff.username, "wrong wrong wrong")
        ).status_code == 422

    stored = await load_staff(client, staff.username)
    assert stored.locked_until is not None
    remaining = stored.locked_until - datetime.now(UTC)
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    assert (await submit_password(client, staff.username)).status_code == 422
    kinds = [kind for kind, _ in await _events(client, staff.id)]
    assert kinds.count("staff_sign_in_failed") == 6
    assert kinds.count("staff_locked") == 1


async def test_each_further_lock_lasts_twice_as_long(client: AsyncTestClient[Litestar]) -> None:
    staff = await create_staff(client)
    runtime: Runtime = client.app.state.runtime

    async def let_the_lock_pass() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(
                update(Staff)
                .where(Staff.id == staff.id)
                .values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
            )

    for _ in range(5):
        await submit_password(client, staff.username, "wrong wrong wrong")
    await in_app(client, let_the_lock_pass)
    for _ in range(5):
        await submit_password(client, staff.username, "wrong wrong wrong")

    stored = await load_staff(client, staff.username)
    assert stored.lock_count == 2
    assert stored.locked_until is not None
    remaining = stored.locked_until - datetime.now(UTC)
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)


async def test_a_successful_sign_in_clears_earlier_failures(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    for _ in range(4):
        await submit_password(client, staff.username, "wrong wrong wrong")
    await sign_in_staff(client, staff.username)
    stored = await load_staff(client, staff.username)
    assert (stored.failed_attempts, stored.locked_until, stored.lock_count) == (0, None, 0)


async def test_a_code_is_refused_the_second_time(client: AsyncTestClient[Litestar]) -> None:
    staff = await create_staff(client)
    totp = await totp_of(client, staff.username)
    code = code_at(totp)
    first = await submit_code(client, await submit_password(client, staff.username), code)
    assert first.status_code == 303
    client.cookies.clear()

    replay = await submit_code(client, await submit_password(client, staff.username), code)

    assert replay.status_code == 422
    assert "sid" not in replay.cookies
    details = [
        detail for kind, detail in await _events(client, staff.id) if kind.endswith("failed")
    ]
    assert details == ["replayed code"]


async def test_the_second_step_works_once_and_needs_the_password_step(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    step_one = await submit_password(client, staff.username)
    totp = await totp_of(client, staff.username)
    assert (await submit_code(client, step_one, wrong_code(totp))).status_code == 422
    # The pending token was spent: even the right code needs the password again.
    assert (await submit_code(client, step_one, code_at(totp))).status_code == 422


async def test_every_attempt_is_in_the_security_log_without_password_or_code(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    await submit_password(client, staff.username, "a wrong password typed")
    totp = await totp_of(client, staff.username)
    bad = wrong_code(totp)
    await submit_code(client, await submit_password(client, staff.username), bad)
    await sign_in_staff(client, staff.username)

    events = await _events(client, staff.id)
    assert events == [
        ("staff_created", "by test"),
        ("staff_sign_in_failed", "wrong password"),
        ("staff_sign_in_failed", "wrong code"),
        ("staff_sign_in", "authenticator enrolled"),
    ]
    flat = repr(events)
    assert "a wrong password typed" not in flat
    assert bad not in flat
    assert totp.secret not in flat


async def test_the_totp_secret_is_stored_encrypted(client: AsyncTestClient[Litestar]) -> None:
    staff = await create_staff(client)
    totp = await totp_of(client, staff.username)
    stored = await load_staff(client, staff.username)
    assert totp.secret not in stored.totp_secret_ciphertext
    assert PASSWORD not in stored.password_hash


async def _store_hash(client: AsyncTestClient[Litestar], staff_id: object, encoded: str) -> None:
    runtime: Runtime = client.app.state.runtime

    async def store() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(
                update(Staff).where(Staff.id == staff_id).values(password_hash=encoded)
            )

    await in_app(client, store)


async def test_a_legacy_scrypt_hash_signs_in_and_becomes_argon2id_when_the_sign_in_completes(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    await _store_hash(client, staff.id, LEGACY_SCRYPT_HASH)

    step_one = await submit_password(client, staff.username)
    assert step_one.status_code == 200
    # The password step alone changes nothing: only a complete sign-in stores the new hash.
    assert (await load_staff(client, staff.username)).password_hash == LEGACY_SCRYPT_HASH
    totp = await totp_of(client, staff.username)
    assert (await submit_code(client, step_one, code_at(totp))).status_code == 303

    upgraded = (await load_staff(client, staff.username)).password_hash
    assert upgraded.startswith("$argon2id$")
    assert verify_password(PASSWORD, upgraded)
    assert not needs_rehash(upgraded)
    client.cookies.clear()
    await sign_in_staff(client, staff.username, steps_ahead=1)  # the new hash signs in
    assert (await load_staff(client, staff.username)).password_hash == upgraded


async def test_a_wrong_password_against_a_legacy_hash_fails_and_changes_nothing(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    await _store_hash(client, staff.id, LEGACY_SCRYPT_HASH)
    assert (
        await submit_password(client, staff.username, "wrong horse battery staple")
    ).status_code == 422
    stored = await load_staff(client, staff.username)
    assert (stored.password_hash, stored.failed_attempts) == (LEGACY_SCRYPT_HASH, 1)


async def test_a_password_changed_between_the_two_steps_is_not_overwritten_by_the_upgrade(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    await _store_hash(client, staff.id, LEGACY_SCRYPT_HASH)
    step_one = await submit_password(client, staff.username)
    reset = hash_password("a new password set by the administrator")
    await _store_hash(client, staff.id, reset)

    totp = await totp_of(client, staff.username)
    assert (await submit_code(client, step_one, code_at(totp))).status_code == 303
    assert (await load_staff(client, staff.username)).password_hash == reset


async def test_a_staff_page_sends_a_resident_to_the_staff_sign_in(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, "13900000001")
    response = await client.get("/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/sign-in?next=/staff"


async def test_a_staff_session_does_not_open_residents_pages(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    await sign_in_staff(client, staff.username)
    response = await client.get("/me/sessions", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/me/sessions"
    assert (await client.get("/staff")).status_code == 200  # the session itself lives on


async def test_a_role_page_refuses_other_roles_with_403(client: AsyncTestClient[Litestar]) -> None:
    staff = await create_staff(client, role="supervisor")
    await sign_in_staff(client, staff.username)
    assert (await client.get("/staff/admin/staff")).status_code == 403


async def test_an_anonymous_visitor_of_a_staff_page_is_sent_to_the_staff_sign_in_and_back(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/staff/admin/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/sign-in?next=/staff/admin/staff"


async def test_signing_out_ends_the_staff_session(client: AsyncTestClient[Litestar]) -> None:
    staff = await create_staff(client)
    await sign_in_staff(client, staff.username)
    token = client.cookies["csrftoken"]
    out = await client.post("/staff/sign-out", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert (await client.get("/staff", follow_redirects=False)).status_code == 303
    assert ("staff_sign_out", "") in await _events(client, staff.id)


async def test_after_sign_in_the_member_of_staff_goes_only_to_a_staff_page(
    client: AsyncTestClient[Litestar],
) -> None:
    staff = await create_staff(client)
    step_one = await client.post(
        "/staff/sign-in",
        data={
            "username": staff.username,
            "password": PASSWORD,
            "next": "/me",
            "_csrf_token": await csrf_token(client),
        },
    )
    done = await submit_code(client, step_one, code_at(await totp_of(client, staff.username)))
    assert done.headers["location"] == "/staff"
