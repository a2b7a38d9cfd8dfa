"""Placeholder until the records branch lands (it replaces this file)."""

from __future__ import annotations

from typing import Any

import msgspec


class Purpose(msgspec.Struct, frozen=True):
    kind: str
    ref: str
    label: str


class FieldRequest(msgspec.Struct, frozen=True):
    source: str
    field: str


class RecordsService:
    """Placeholder: refuses every read until the records branch lands."""

    def __init__(self, session: object, exchange: object, protector: object) -> None:
        pass

    async def grant_consent(self, *args: object, **kwargs: object) -> object:
        from app.errors import Unavailable

        raise Unavailable

    async def read(self, *args: object, **kwargs: object) -> Any:
        from app.errors import Unavailable

        raise Unavailable

    async def report_error(self, *args: object, **kwargs: object) -> object:
        from app.errors import Unavailable

        raise Unavailable
