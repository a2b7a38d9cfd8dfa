"""The proactive-benefit rules of ``app/catalog/data/benefits.yaml``, checked at load.

The file is optional (no file: no benefits). Every condition must name a field of a known
source whose subject matches the benefit's, and carry exactly one test; the department must
be known. A broken file stops start-up with the benefit and the reason, like the catalog.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import msgspec
import yaml

from app.catalog.loader import DATA_DIR, CatalogError, department_names
from app.catalog.schema import Text
from app.records.exchange import RecordValue
from app.records.service import FieldRequest
from app.records.sources import SOURCES, SubjectKind

BENEFITS_FILE = DATA_DIR / "benefits.yaml"


class AgeAtLeast(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The field is a date at least ``years`` years before the day of the check."""

    years: int


class OneOf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The field's value is one of ``values``."""

    values: list[str]


class Condition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One test of one record field."""

    source: str
    field: str
    age_at_least: AgeAtLeast | None = None
    one_of: OneOf | None = None

    def holds(self, value: RecordValue | None, today: date) -> bool:
        """Whether the record value meets the test (a missing value never does)."""
        if value is None:
            return False
        if self.one_of is not None:
            return value.value.strip() in self.one_of.values
        if self.age_at_least is not None:
            return _years_since(value.value, today) >= self.age_at_least.years
        return False


class Benefit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A benefit granted without application to subjects whose records meet every condition."""

    code: str
    name: Text
    department: str
    subject: SubjectKind
    conditions: list[Condition]

    def requests(self) -> list[FieldRequest]:
        """The record fields the check reads."""
        return [FieldRequest(c.source, c.field) for c in self.conditions]


class _BenefitsFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    benefits: list[Benefit]


def load_benefits(path: Path = BENEFITS_FILE) -> dict[str, Benefit]:
    """The benefits by code; ``CatalogError`` naming the benefit for any inconsistency."""
    if not path.exists():
        return {}
    try:
        decoded = msgspec.convert(
            yaml.safe_load(path.read_text("utf-8")), type=_BenefitsFile, strict=False
        )
    except (yaml.YAMLError, msgspec.ValidationError) as exc:
        raise CatalogError(f"{path.name}: {exc}") from None
    departments = department_names()
    found: dict[str, Benefit] = {}
    for benefit in decoded.benefits:
        problems = list(_problems(benefit, departments))
        if benefit.code in found:
            problems.append("is defined twice")
        if problems:
            raise CatalogError(f"{path.name}: benefit `{benefit.code}`: " + "; ".join(problems))
        found[benefit.code] = benefit
    return found


@cache
def default_benefits() -> dict[str, Benefit]:
    """The repository's benefits, loaded once per process."""
    return load_benefits()


def _problems(benefit: Benefit, departments: dict[str, Text]) -> list[str]:
    problems = []
    if benefit.department not in departments:
        problems.append(f"unknown department `{benefit.department}`")
    if not benefit.conditions:
        problems.append("needs at least one condition")
    for index, condition in enumerate(benefit.conditions):
        source = SOURCES.get(condition.source)
        where = f"conditions[{index}]"
        if source is None or source.field(condition.field) is None:
            problems.append(f"{where}: unknown record field `{condition.source}.{condition.field}`")
        elif source.subject is not benefit.subject:
            problems.append(f"{where}: `{condition.source}` holds {source.subject} records")
        elif source.field(condition.field).sensitive:  # type: ignore[union-attr]
            problems.append(f"{where}: a sensitive field cannot decide a benefit")
        if (condition.age_at_least is None) == (condition.one_of is None):
            problems.append(f"{where}: give exactly one of age_at_least, one_of")
    return problems


def _years_since(raw: str, today: date) -> int:
    try:
        born = date.fromisoformat(raw.strip())
    except ValueError:
        return -1
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
