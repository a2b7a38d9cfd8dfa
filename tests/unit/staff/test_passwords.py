"""Staff password hashing: Argon2id with its parameters; legacy scrypt hashes still verify."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from app.errors import RuleViolation
from app.staff.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    validate_new_password,
    verify_password,
)
from tests.integration.staff_support import LEGACY_SCRYPT_HASH, PASSWORD


def test_an_argon2id_hash_round_trips_and_matches_its_own_password_only() -> None:
    encoded = hash_password(PASSWORD)
    assert verify_password(PASSWORD, encoded)
    assert not verify_password("correct horse battery stapl", encoded)
    assert not verify_password("", encoded)
    assert not needs_rehash(encoded)


def test_the_hash_is_argon2id_and_records_its_parameters() -> None:
    encoded = hash_password(PASSWORD)
    _, scheme, version, params, salt, key = encoded.split("$")
    assert (scheme, version, params) == ("argon2id", "v=19", "m=47104,t=1,p=1")
    assert len(salt) == 22  # 16 bytes in unpadded base64
    assert len(key) == 43  # 32 bytes


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_a_legacy_scrypt_hash_still_verifies_and_asks_for_a_rehash() -> None:
    assert verify_password(PASSWORD, LEGACY_SCRYPT_HASH)
    assert not verify_password("wrong horse battery staple", LEGACY_SCRYPT_HASH)
    assert needs_rehash(LEGACY_SCRYPT_HASH)


def test_an_argon2_hash_made_with_other_parameters_still_verifies_and_asks_for_a_rehash() -> None:
    older = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert verify_password(PASSWORD, older)
    assert needs_rehash(older)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain-text-password",
        "bcrypt$n=32768,r=8,p=1$AAAA$AAAA",
        "scrypt$n=32768,r=8$AAAA$AAAA",
        "scrypt$n=1000,r=8,p=1$AAAA$AAAA",  # n must be a power of two
        "scrypt$n=1073741824,r=8,p=1$AAAA$AAAA",  # would exhaust memory
        "scrypt$n=32768,r=8,p=1$not base64!$AAAA",
        "$argon2id$v=19$m=47104,t=1,p=1$garbage",
        "$argon2id$v=19$m=4194304,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",  # 4 GiB
        "$argon2id$v=19$m=47104,t=1,p=1$AAAA$AAAA",  # too short a salt
    ],
)
def test_a_malformed_or_absurd_hash_never_verifies(encoded: str) -> None:
    assert not verify_password("anything at all", encoded)
    assert needs_rehash(encoded)


def test_the_dummy_hash_has_todays_parameters_and_matches_nothing() -> None:
    assert not needs_rehash(DUMMY_HASH)
    assert not verify_password("", DUMMY_HASH)
    assert not verify_password(PASSWORD, DUMMY_HASH)


def test_a_password_over_256_characters_never_verifies() -> None:
    long = "x" * 257
    assert not verify_password(long, hash_password(long))


def test_new_passwords_need_at_least_12_characters() -> None:
    with pytest.raises(RuleViolation) as refused:
        validate_new_password("elevenchars")
    assert "password" in refused.value.fields
    validate_new_password("twelve chars")
