"""Staff password hashing: scrypt with its parameters in the hash, constant-time checks."""

from __future__ import annotations

import pytest

from app.errors import RuleViolation
from app.staff.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    validate_new_password,
    verify_password,
)

# Cheap parameters where the test is about the format, not the cost.
FAST = {"n": 2**10, "r": 8, "p": 1}


def test_a_password_verifies_against_its_own_hash_only() -> None:
    encoded = hash_password("correct horse battery staple")
    assert verify_password("correct horse battery staple", encoded)
    assert not verify_password("correct horse battery stapl", encoded)
    assert not verify_password("", encoded)


def test_the_hash_records_its_parameters_and_a_16_byte_salt() -> None:
    encoded = hash_password("correct horse battery staple")
    scheme, params, salt, key = encoded.split("$")
    assert scheme == "scrypt"
    assert params == "n=32768,r=8,p=1"
    assert len(salt) == 22  # 16 bytes in unpadded base64url
    assert len(key) == 43  # 32 bytes


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("same password here", **FAST) != hash_password(
        "same password here", **FAST
    )


def test_a_hash_made_with_older_parameters_still_verifies_and_asks_for_a_rehash() -> None:
    older = hash_password("correct horse battery staple", **FAST)
    assert verify_password("correct horse battery staple", older)
    assert needs_rehash(older)
    assert not needs_rehash(hash_password("correct horse battery staple"))


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
    ],
)
def test_a_malformed_or_absurd_hash_never_verifies(encoded: str) -> None:
    assert not verify_password("anything at all", encoded)
    assert needs_rehash(encoded)


def test_the_dummy_hash_is_well_formed_and_matches_nothing() -> None:
    assert not needs_rehash(DUMMY_HASH)
    assert not verify_password("", DUMMY_HASH)
    assert not verify_password("correct horse battery staple", DUMMY_HASH)


def test_new_passwords_need_at_least_12_characters() -> None:
    with pytest.raises(RuleViolation) as refused:
        validate_new_password("elevenchars")
    assert "password" in refused.value.fields
    validate_new_password("twelve chars")
