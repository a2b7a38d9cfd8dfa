"""``python -m app keys reencrypt``: numbers written under an old key move to the active one."""

from __future__ import annotations

import asyncio
import base64
import secrets
from pathlib import Path
from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.commands.key_rotation import reencrypt_person_numbers
from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.identity.models import PERSON_ID_NUMBER, PERSON_PHONE, Person
from app.identity.persons import find_or_create_by_phone
from tests.conftest import make_settings, migrate

PHONE = "13912345678"
ID_NUMBER = "310115198503120418"


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


async def _write_person(settings: Settings) -> UUID:
    protector = protector_for(settings)
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine)() as db, db.begin():
            person = await find_or_create_by_phone(db, protector, PHONE)
            protected = protector.protect(ID_NUMBER, PERSON_ID_NUMBER)
            person.id_number_ciphertext = protected.ciphertext
            person.id_number_index = protected.index
            return person.id
    finally:
        await engine.dispose()


async def _read_person(settings: Settings, person_id: UUID) -> Person:
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine)() as db:
            person = await db.get(Person, person_id)
            assert person is not None
            return person
    finally:
        await engine.dispose()


async def test_reencrypting_moves_old_ciphertexts_to_the_active_key_once(
    tmp_path: Path, fresh_database_url: object
) -> None:
    url: str = fresh_database_url("keys")  # type: ignore[operator]
    k1, k2, index = _key(), _key(), _key()
    before = make_settings(tmp_path / "var", url, data_keys=f"k1:{k1},index:{index}")
    await asyncio.to_thread(migrate, before)  # Alembic runs its own event loop
    person_id = await _write_person(before)
    written = await _read_person(before, person_id)
    assert written.phone_ciphertext.startswith("v1.k1.")

    after = msgspec.structs.replace(before, data_keys=f"k2:{k2},k1:{k1},index:{index}")
    report = await reencrypt_person_numbers(after, batch_size=1)
    assert (report.active_key_id, report.changed, report.unreadable) == ("k2", 2, 0)

    rotated = await _read_person(after, person_id)
    protector = protector_for(after)
    assert rotated.phone_ciphertext.startswith("v1.k2.")
    assert rotated.id_number_ciphertext is not None
    assert rotated.id_number_ciphertext.startswith("v1.k2.")
    assert protector.reveal(rotated.phone_ciphertext, PERSON_PHONE) == PHONE
    assert protector.reveal(rotated.id_number_ciphertext, PERSON_ID_NUMBER) == ID_NUMBER
    assert rotated.phone_index == written.phone_index  # same index key: look-ups still work

    again = await reencrypt_person_numbers(after)
    assert (again.changed, again.unreadable) == (0, 0)
    assert (await _read_person(after, person_id)).phone_ciphertext == rotated.phone_ciphertext


async def test_values_no_configured_key_can_read_are_counted_not_changed(
    tmp_path: Path, fresh_database_url: object
) -> None:
    url: str = fresh_database_url("keys")  # type: ignore[operator]
    index = _key()
    old = make_settings(tmp_path / "var", url, data_keys=f"k1:{_key()},index:{index}")
    await asyncio.to_thread(migrate, old)
    person_id = await _write_person(old)
    lost = msgspec.structs.replace(old, data_keys=f"k2:{_key()},index:{index}")
    report = await reencrypt_person_numbers(lost)
    assert (report.changed, report.unreadable) == (0, 2)
    unchanged = await _read_person(lost, person_id)
    assert unchanged.phone_ciphertext.startswith("v1.k1.")
