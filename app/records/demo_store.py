"""The fictional shared records of ``app/demo/records/*.toml``, checked when they are loaded.

Each file holds ``[[record]]`` tables::

    [[record]]
    source = "birth-medical"              # a code of app.records.sources.SOURCES
    subjects = ["310115198503120418", …]  # or subject = "…": whose record it is; a birth
                                          # certificate is readable by both parents
    as_of = 2026-11-12                    # the date the source last confirmed it
    [record.values]                       # field name -> text, only fields of the source
    child_name = "张小满"

Subjects are ID numbers (GB 11643) for person sources and credit codes (GB 32100) for
enterprise sources; each must be valid. A source holds at most one record per subject.
A broken file stops the loader with a message naming the file, the record and the problem.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import msgspec

from app.numbers import (
    is_valid_credit_code,
    is_valid_id_number,
    normalize_credit_code,
    normalize_id_number,
)
from app.records.sources import SOURCES, SubjectKind

DEMO_RECORDS_DIR = Path(__file__).resolve().parent.parent / "demo" / "records"


class DemoRecordsError(ValueError):
    """A demo record file cannot be used; the message says which and why."""


class DemoRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One record of one source, held for one or more subjects."""

    source: str
    subject: str | None = None
    subjects: list[str] = msgspec.field(default_factory=list)
    as_of: date
    values: dict[str, str]

    def numbers(self) -> list[str]:
        """Every subject the record is held for (``subject`` and ``subjects`` together)."""
        return [*([self.subject] if self.subject else []), *self.subjects]


class _DemoFile(msgspec.Struct, forbid_unknown_fields=True):
    record: list[DemoRecord] = msgspec.field(default_factory=list)


def normalize_subject(kind: SubjectKind, number: str) -> str:
    """How a subject's number is compared: an ID number or a credit code, normalized."""
    if kind is SubjectKind.PERSON:
        return normalize_id_number(number)
    return normalize_credit_code(number)


def load_demo_records(directory: Path = DEMO_RECORDS_DIR) -> dict[tuple[str, str], DemoRecord]:
    """Every record of every ``*.toml`` in ``directory``, by (source, normalized subject)."""
    records: dict[tuple[str, str], DemoRecord] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = msgspec.convert(tomllib.loads(path.read_text("utf-8")), _DemoFile)
        except (tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
            raise DemoRecordsError(f"{path.name}: {exc}") from exc
        for position, record in enumerate(data.record, start=1):
            where = f"{path.name}, record {position} ({record.source})"
            for key in _checked_keys(record, where):
                if key in records:
                    raise DemoRecordsError(f"{where}: a second {record.source} record of a subject")
                records[key] = record
    return records


def _checked_keys(record: DemoRecord, where: str) -> list[tuple[str, str]]:
    source = SOURCES.get(record.source)
    if source is None:
        raise DemoRecordsError(f"{where}: unknown source; use one of {', '.join(SOURCES)}")
    unknown = [name for name in record.values if source.field(name) is None]
    if unknown:
        raise DemoRecordsError(f"{where}: the source has no field {', '.join(unknown)}")
    numbers = record.numbers()
    if not numbers:
        raise DemoRecordsError(f"{where}: name its subject (subject = …) or subjects")
    valid = is_valid_id_number if source.subject is SubjectKind.PERSON else is_valid_credit_code
    keys = []
    for number in numbers:
        if not valid(number):
            what = "ID number" if source.subject is SubjectKind.PERSON else "credit code"
            raise DemoRecordsError(f"{where}: a subject is not a valid {what}")
        keys.append((record.source, normalize_subject(source.subject, number)))
    return keys
