"""Residents with verified ID numbers and demo records of their own, for records tests.

The test database is shared by the session, and an ID number belongs to one account only,
so every test makes up its own people and numbers, and its own record files for them.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.cn import ric, uscc

from app.identity.models import PERSON_ID_NUMBER, Person, RealNameLevel
from app.identity.persons import find_or_create_by_phone
from app.numbers import CREDIT_CODE_ALPHABET
from app.protection import DataProtector
from app.records.exchange import DemoRecordExchange
from app.records.sources import SOURCES, SubjectKind


def new_phone() -> str:
    """A mobile number no other test uses."""
    return f"137{uuid.uuid4().int % 10**8:08d}"


def new_id_number() -> str:
    """A fictional ID number with a right check character, different in every test."""
    born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20000))
    base = f"430104{born:%Y%m%d}{secrets.randbelow(1000):03d}"
    return base + ric.calc_check_digit(base + "0")


def new_credit_code() -> str:
    """A fresh, valid unified social credit code."""
    body = "91" + "".join(secrets.choice("0123456789") for _ in range(6))
    body += "".join(secrets.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


async def resident(
    db: AsyncSession,
    protector: DataProtector,
    *,
    phone: str | None = None,
    id_number: str | None = None,
    name: str = "测试居民",
) -> Person:
    """A person; with ``id_number`` verified to level L2 as real-name verification would."""
    person = await find_or_create_by_phone(db, protector, phone or new_phone())
    if id_number is not None:
        protected = protector.protect(id_number, PERSON_ID_NUMBER)
        person.real_name = name
        person.id_number_ciphertext = protected.ciphertext
        person.id_number_index = protected.index
        person.real_name_level = RealNameLevel.RECORDS
    await db.flush()
    return person


def write_records(directory: Path, *records: tuple[str, str, dict[str, str]]) -> Path:
    """A demo record file of ``(source, subject number, values)``; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = []
    for source, subject, values in records:
        lines += ["[[record]]", f'source = "{source}"', f'subject = "{subject}"']
        lines += ["as_of = 2026-11-01", "[record.values]"]
        lines += [f'{key} = "{value}"' for key, value in values.items()]
    (directory / f"records-{secrets.token_hex(4)}.toml").write_text("\n".join(lines), "utf-8")
    return directory


def records_everywhere(directory: Path, id_number: str, credit_code: str) -> DemoRecordExchange:
    """A record in every source for this resident (and enterprise): every prefill can hit."""
    rows = []
    for source in SOURCES.values():
        subject = id_number if source.subject is SubjectKind.PERSON else credit_code
        values = {f.name: f"{source.code}-{f.name}" for f in source.fields}
        if source.code == "population":
            values |= {"name": "测试居民", "id_number": id_number, "birth_date": "1966-05-18"}
        rows.append((source.code, subject, values))
    return DemoRecordExchange(directory=write_records(directory, *rows))
