"""Encryption at rest and blind indexes of ID numbers and phone numbers."""

from __future__ import annotations

import base64
import os
import re
import secrets
from pathlib import Path

import pytest

from app.config import SettingsError
from app.protection import (
    DataProtector,
    Keyring,
    ProtectionError,
    ProtectionKeys,
    SensitiveColumn,
    SensitiveKind,
    format_protection_keys,
    generate_protection_keys,
    load_protection_keys,
    parse_protection_keys,
)
from app.protection.keys import DEVELOPMENT_KEYS_FILE

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
PERSON_ID_NUMBER = SensitiveColumn("person.id_number", SensitiveKind.ID_NUMBER)
AGENT_ID_NUMBER = SensitiveColumn("agent.id_number", SensitiveKind.ID_NUMBER)
PERSON_PHONE = SensitiveColumn("person.phone", SensitiveKind.PHONE)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def keys() -> ProtectionKeys:
    return generate_protection_keys("k1")


@pytest.fixture
def protector(keys: ProtectionKeys) -> DataProtector:
    return DataProtector(keys)


def with_new_active_key(keys: ProtectionKeys, key_id: str) -> ProtectionKeys:
    """What an operator does to rotate: put a new key first, keep the old ones listed."""
    return ProtectionKeys(
        encryption_keys={key_id: secrets.token_bytes(32), **keys.encryption_keys},
        active_key_id=key_id,
        index_key=keys.index_key,
    )


def test_an_id_number_round_trips_normalized(protector: DataProtector) -> None:
    stored = protector.protect("11010519491231002x", PERSON_ID_NUMBER)
    assert protector.reveal(stored.ciphertext, PERSON_ID_NUMBER) == ID_NUMBER


def test_a_phone_number_round_trips_normalized(protector: DataProtector) -> None:
    stored = protector.protect("+86 138 1234 5678", PERSON_PHONE)
    assert protector.reveal(stored.ciphertext, PERSON_PHONE) == PHONE


def test_keyring_round_trips_any_text_including_empty_and_chinese(keys: ProtectionKeys) -> None:
    keyring = Keyring(keys.encryption_keys, keys.active_key_id)
    for text in ("", "张三", ID_NUMBER * 20):
        token = keyring.encrypt(text, associated_data="person.name")
        assert keyring.decrypt(token, associated_data="person.name") == text


def test_ciphertext_carries_version_and_key_id(protector: DataProtector) -> None:
    ciphertext = protector.protect(ID_NUMBER, PERSON_ID_NUMBER).ciphertext
    assert re.fullmatch(r"v1\.k1\.[A-Za-z0-9_-]+", ciphertext)


def test_encrypting_twice_gives_different_ciphertexts(protector: DataProtector) -> None:
    first = protector.protect(ID_NUMBER, PERSON_ID_NUMBER)
    second = protector.protect(ID_NUMBER, PERSON_ID_NUMBER)
    assert first.ciphertext != second.ciphertext
    assert first.index == second.index


def test_every_changed_character_of_a_ciphertext_is_detected(protector: DataProtector) -> None:
    ciphertext = protector.protect(ID_NUMBER, PERSON_ID_NUMBER).ciphertext
    for position, char in enumerate(ciphertext):
        other = "A" if char != "A" else "B"
        tampered = ciphertext[:position] + other + ciphertext[position + 1 :]
        with pytest.raises(ProtectionError):
            protector.reveal(tampered, PERSON_ID_NUMBER)


def test_a_second_spelling_of_the_same_bytes_is_refused(protector: DataProtector) -> None:
    # 46 bytes of payload leave 4 unused bits in the last base64 character: lenient
    # decoders ignore them, so without a strict check a changed character could pass.
    ciphertext = protector.protect(ID_NUMBER, PERSON_ID_NUMBER).ciphertext
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(ciphertext[-1])
    respelled = ciphertext[:-1] + alphabet[(last & 0b110000) | ((last + 1) & 0b001111)]
    payload, same = (text.rsplit(".", 1)[1] + "==" for text in (ciphertext, respelled))
    assert base64.urlsafe_b64decode(payload) == base64.urlsafe_b64decode(same)
    with pytest.raises(ProtectionError, match="malformed"):
        protector.reveal(respelled, PERSON_ID_NUMBER)


def test_tampered_payload_fails_with_a_clear_message(protector: DataProtector) -> None:
    ciphertext = protector.protect(ID_NUMBER, PERSON_ID_NUMBER).ciphertext
    middle = len(ciphertext) - 10
    tampered = ciphertext[:middle] + ("A" if ciphertext[middle] != "A" else "B")
    tampered += ciphertext[middle + 1 :]
    with pytest.raises(ProtectionError, match="failed authentication: it was altered"):
        protector.reveal(tampered, PERSON_ID_NUMBER)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "Not a protected value"),
        (ID_NUMBER, "Not a protected value"),
        ("v2.k1.AAAA", "Not a protected value"),
        ("v1.k1.", "malformed"),
        ("v1.k1.not*base64", "malformed"),
    ],
)
def test_values_that_are_not_ciphertexts_are_refused(
    protector: DataProtector, token: str, message: str
) -> None:
    with pytest.raises(ProtectionError, match=message):
        protector.reveal(token, PERSON_ID_NUMBER)


def test_a_value_copied_into_another_column_does_not_decrypt(protector: DataProtector) -> None:
    ciphertext = protector.protect(ID_NUMBER, PERSON_ID_NUMBER).ciphertext
    with pytest.raises(ProtectionError, match=r"another column than 'agent\.id_number'"):
        protector.reveal(ciphertext, AGENT_ID_NUMBER)


def test_rotation_keeps_old_values_readable_and_moves_them_to_the_new_key(
    keys: ProtectionKeys,
) -> None:
    old = DataProtector(keys).protect(ID_NUMBER, PERSON_ID_NUMBER)
    rotated = DataProtector(with_new_active_key(keys, "k2"))

    assert rotated.reveal(old.ciphertext, PERSON_ID_NUMBER) == ID_NUMBER
    assert rotated.needs_reencryption(old.ciphertext)
    moved = rotated.reencrypt(old.ciphertext, PERSON_ID_NUMBER)
    assert moved.startswith("v1.k2.")
    assert not rotated.needs_reencryption(moved)
    assert rotated.reveal(moved, PERSON_ID_NUMBER) == ID_NUMBER
    assert rotated.reencrypt(moved, PERSON_ID_NUMBER) == moved  # running the sweep twice
    assert rotated.protect(ID_NUMBER, PERSON_ID_NUMBER).index == old.index


def test_after_an_old_key_is_removed_its_values_name_the_missing_key(
    keys: ProtectionKeys,
) -> None:
    old_ciphertext = DataProtector(keys).protect(ID_NUMBER, PERSON_ID_NUMBER).ciphertext
    fresh = generate_protection_keys("k2")
    without_k1 = DataProtector(
        ProtectionKeys(
            encryption_keys=fresh.encryption_keys, active_key_id="k2", index_key=keys.index_key
        )
    )
    with pytest.raises(ProtectionError, match="key 'k1', which is not among"):
        without_k1.reveal(old_ciphertext, PERSON_ID_NUMBER)


def test_reencrypt_refuses_a_tampered_value(keys: ProtectionKeys) -> None:
    ciphertext = DataProtector(keys).protect(ID_NUMBER, PERSON_ID_NUMBER).ciphertext
    rotated = DataProtector(with_new_active_key(keys, "k2"))
    with pytest.raises(ProtectionError):
        rotated.reencrypt(ciphertext, AGENT_ID_NUMBER)


def test_blind_index_is_equal_for_the_same_number_typed_differently(
    protector: DataProtector,
) -> None:
    typed = ["11010519491231002X", "11010519491231002x", "１１０１０５ １９４９１２３１００２Ｘ"]
    assert len({protector.blind_index(raw, SensitiveKind.ID_NUMBER) for raw in typed}) == 1
    phones = ["13812345678", "+86 138-1234-5678", "0086 13812345678"]
    assert len({protector.blind_index(raw, SensitiveKind.PHONE) for raw in phones}) == 1


def test_blind_index_matches_the_stored_index(protector: DataProtector) -> None:
    stored = protector.protect(ID_NUMBER, PERSON_ID_NUMBER)
    assert protector.blind_index(ID_NUMBER.lower(), SensitiveKind.ID_NUMBER) == stored.index
    other = protector.blind_index("110105194912310011", SensitiveKind.ID_NUMBER)
    assert other != stored.index


def test_blind_index_differs_across_kinds_and_index_keys(keys: ProtectionKeys) -> None:
    protector = DataProtector(keys)
    as_id = protector.blind_index(PHONE, SensitiveKind.ID_NUMBER)
    as_phone = protector.blind_index(PHONE, SensitiveKind.PHONE)
    assert as_id != as_phone
    other_keys = generate_protection_keys("k1")
    assert DataProtector(other_keys).blind_index(PHONE, SensitiveKind.PHONE) != as_phone


def test_blind_index_is_hex_sha256(protector: DataProtector) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", protector.blind_index(PHONE, SensitiveKind.PHONE))


@pytest.mark.parametrize(
    ("clear", "column"), [(ID_NUMBER, PERSON_ID_NUMBER), (PHONE, PERSON_PHONE)]
)
def test_ciphertext_and_index_never_contain_the_clear_value(
    protector: DataProtector, clear: str, column: SensitiveColumn
) -> None:
    stored = protector.protect(clear, column)
    for text in (stored.ciphertext, stored.index, repr(stored)):
        assert clear not in text
        assert clear[-8:] not in text  # nor its tail (ID: sequence and check; phone: line)
        assert b64(clear.encode())[:12] not in text


def test_keys_parse_with_the_first_encryption_key_active() -> None:
    k1, k2, index = (secrets.token_bytes(32) for _ in range(3))
    keys = parse_protection_keys(f" k2:{b64(k2)} , k1:{b64(k1)}, index:{b64(index)} ")
    assert keys.active_key_id == "k2"
    assert keys.encryption_keys == {"k2": k2, "k1": k1}
    assert keys.index_key == index


def test_keys_accept_url_safe_base64_without_padding() -> None:
    key, index = b"\xfb" * 32, b"\xff" * 32
    url_safe = base64.urlsafe_b64encode(key).decode().rstrip("=")
    keys = parse_protection_keys(f"k1:{url_safe},index:{b64(index)}")
    assert keys.encryption_keys["k1"] == key


def test_keys_survive_formatting_and_parsing(keys: ProtectionKeys) -> None:
    rotated = with_new_active_key(keys, "k2")
    assert parse_protection_keys(format_protection_keys(rotated)) == rotated


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "need an encryption key and an index key"),
        (f"k1:{b64(bytes(32))}", "need an encryption key and an index key"),
        (f"index:{b64(bytes(32))}", "need an encryption key and an index key"),
        (f"k1{b64(bytes(32))}", "is not name:base64"),
        ("k1:!!!!,index:AAAA", "'k1' is not valid base64"),
        (f"k1:{b64(bytes(16))},index:{b64(b'i' * 32)}", "'k1' has 16 bytes; it needs 32"),
        (f"k1:{b64(b'a' * 32)},k1:{b64(b'b' * 32)},index:{b64(b'i' * 32)}", "given twice"),
        (f"k.1:{b64(b'a' * 32)},index:{b64(b'i' * 32)}", "must be 1 to 32 letters"),
        (f"k1:{b64(b'a' * 32)},index:{b64(b'a' * 32)}", "index key must differ"),
    ],
    ids=[
        "empty", "no-index", "no-encryption-key", "no-colon", "not-base64", "short",
        "duplicate", "dot-in-id", "same-key-twice",
    ],
)  # fmt: skip
def test_bad_key_settings_are_refused_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_protection_keys(raw)


def test_key_errors_and_repr_never_show_key_material(keys: ProtectionKeys) -> None:
    secret = b64(keys.encryption_keys["k1"])
    assert secret not in repr(keys)
    assert b64(keys.index_key) not in repr(keys)
    with pytest.raises(SettingsError) as caught:
        parse_protection_keys(f"k1:{b64(b'x' * 31)},index:{secret}")
    assert b64(b"x" * 31) not in str(caught.value)
    assert secret not in str(caught.value)


def test_configured_keys_are_used_and_no_file_is_written(tmp_path: Path) -> None:
    raw = format_protection_keys(generate_protection_keys("prod1"))
    keys = load_protection_keys(raw, tmp_path, production=True)
    assert keys.active_key_id == "prod1"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_production_refuses_to_start_without_keys(tmp_path: Path, raw: str | None) -> None:
    with pytest.raises(SettingsError, match="required in production"):
        load_protection_keys(raw, tmp_path, production=True)
    assert list(tmp_path.iterdir()) == []


def test_development_keys_are_created_once_private_and_reused(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    first = load_protection_keys(None, var_dir, production=False)
    second = load_protection_keys("", var_dir, production=False)
    assert first == second
    path = var_dir / DEVELOPMENT_KEYS_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in var_dir.iterdir()] == [DEVELOPMENT_KEYS_FILE]  # no temp file left
    ciphertext = DataProtector(first).protect(PHONE, PERSON_PHONE).ciphertext
    assert DataProtector(second).reveal(ciphertext, PERSON_PHONE) == PHONE


def test_a_damaged_development_key_file_says_how_to_recover(tmp_path: Path) -> None:
    (tmp_path / DEVELOPMENT_KEYS_FILE).write_text("garbage")
    with pytest.raises(SettingsError, match="Delete the file to start over"):
        load_protection_keys(None, tmp_path, production=False)


def test_development_keys_file_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_protection_keys(None, tmp_path, production=False)
    finally:
        os.umask(previous)
    assert (tmp_path / DEVELOPMENT_KEYS_FILE).stat().st_mode & 0o777 == 0o600


def test_sealed_bytes_round_trip_bound_to_their_context(protector: DataProtector) -> None:
    data = os.urandom(1000)
    sealed = protector.seal_bytes(data, context="uploads/a")
    assert sealed.startswith(b"b1.")
    assert len(sealed) < len(data) + 64  # raw bytes: no base64
    assert protector.unseal_bytes(sealed, context="uploads/a") == data
    with pytest.raises(ProtectionError, match="another place"):
        protector.unseal_bytes(sealed, context="uploads/b")


def test_every_changed_byte_of_sealed_bytes_is_detected(protector: DataProtector) -> None:
    sealed = protector.seal_bytes(b"a scan", context="uploads/a")
    for i in range(len(sealed)):
        altered = sealed[:i] + bytes([sealed[i] ^ 1]) + sealed[i + 1 :]
        with pytest.raises(ProtectionError):
            protector.unseal_bytes(altered, context="uploads/a")
    with pytest.raises(ProtectionError, match="truncated"):
        protector.unseal_bytes(sealed[:20], context="uploads/a")
