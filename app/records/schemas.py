"""What callers of the records service pass and get: purposes, field requests, reads."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from app.errors import RuleViolation
from app.i18n import N_
from app.records.exchange import RecordValue
from app.records.models import AccessOutcome
from app.records.sources import SOURCES

UNKNOWN_FIELD = N_("There is no such record field.")


class Purpose(msgspec.Struct, frozen=True):
    """Why records are read: ``("draft", "<uuid>", "新生儿出生一件事")``."""

    kind: str
    ref: str
    label: str

    def __post_init__(self) -> None:
        if not (0 < len(self.kind) <= 32 and 0 < len(self.ref) <= 64 and len(self.label) <= 200):
            raise ValueError("a purpose needs a kind (≤ 32), a ref (≤ 64) and a label (≤ 200)")

    def describe(self) -> str:
        """How the purpose is named to the source: its label and reference."""
        return f"{self.label} ({self.kind} {self.ref})"


class FieldRequest(msgspec.Struct, frozen=True):
    """One field of one source: ``FieldRequest("population", "name")``."""

    source: str
    field: str


class RecordRead(msgspec.Struct, frozen=True, kw_only=True):
    """The values read, and what each source's read came to."""

    values: dict[tuple[str, str], RecordValue]
    outcomes: dict[str, AccessOutcome]

    @property
    def unavailable(self) -> list[str]:
        """The sources that could not answer now."""
        return [s for s, outcome in self.outcomes.items() if outcome is AccessOutcome.UNAVAILABLE]


def by_source(requests: Sequence[FieldRequest]) -> dict[str, list[str]]:
    """The requested fields grouped by source, in order, each once; unknown ones refused."""
    grouped: dict[str, list[str]] = {}
    for request in requests:
        source = SOURCES.get(request.source)
        if source is None or source.field(request.field) is None:
            raise RuleViolation(UNKNOWN_FIELD)
        fields = grouped.setdefault(request.source, [])
        if request.field not in fields:
            fields.append(request.field)
    return grouped
