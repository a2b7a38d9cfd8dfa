"""Placeholder until the records branch lands (it replaces this file)."""

from __future__ import annotations

from datetime import date

import msgspec


class RecordValue(msgspec.Struct, frozen=True):
    source: str
    field: str
    value: str
    as_of: date
