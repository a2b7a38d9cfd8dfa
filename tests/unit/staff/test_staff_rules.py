"""Pure staff sign-in rules: TOTP steps and replay, lock durations, access levels."""

from __future__ import annotations

from datetime import timedelta

import pyotp

from app.staff.models import StaffRole
from app.staff.sign_in import lock_duration
from app.staff.totp import STEP_SECONDS, current_step, matching_step, new_secret
from app.web.access import Access, sign_in_path_for

NOW = 1_800_000_000.0


def test_a_code_matches_its_own_step_and_one_either_side_only() -> None:
    secret = new_secret()
    totp = pyotp.TOTP(secret)
    step = current_step(NOW)
    assert matching_step(secret, totp.at(NOW), now=NOW) == step
    assert matching_step(secret, totp.at(NOW - STEP_SECONDS), now=NOW) == step - 1
    assert matching_step(secret, totp.at(NOW + STEP_SECONDS), now=NOW) == step + 1
    assert matching_step(secret, totp.at(NOW - 3 * STEP_SECONDS), now=NOW) is None


def test_a_code_that_is_not_six_digits_never_matches() -> None:
    secret = new_secret()
    for code in ("", "12345", "1234567", "abcdef", "12 34 5"):
        assert matching_step(secret, code, now=NOW) is None


def test_each_further_lock_lasts_twice_as_long_up_to_a_day() -> None:
    assert [lock_duration(n) for n in range(4)] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=2),
    ]
    assert lock_duration(7) == timedelta(hours=24)
    assert lock_duration(1000) == timedelta(hours=24)


def test_staff_levels_name_their_role_and_send_callers_to_the_staff_sign_in() -> None:
    assert Access.STAFF.is_staff
    assert Access.STAFF.staff_role is None
    assert Access.STAFF_REVIEWER.staff_role is StaffRole.REVIEWER
    assert {level.staff_role for level in Access if level.staff_role} == set(StaffRole)
    assert not Access.PERSON.is_staff
    assert sign_in_path_for(Access.STAFF_ADMINISTRATOR) == "/staff/sign-in"
    assert sign_in_path_for(Access.PERSON) == "/sign-in"
    assert sign_in_path_for(None) == "/sign-in"
