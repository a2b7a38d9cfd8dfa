"""Checking what a person typed into a merged-form field, by the field's kind.

``check_value`` returns the normalized value or raises ``RuleViolation`` naming the field;
``check_values`` collects every field's message so a form shows all of them at once.
Required-ness is separate (``missing_fields``): a draft may be incomplete, never malformed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from app.catalog.schema import FieldDef, FieldKind
from app.errors import RuleViolation
from app.i18n import N_
from app.numbers import validate_credit_code, validate_id_number
from app.phones import validate_phone
from app.records.sources import SOURCES
from app.text_input import INVISIBLE, has_invisible

TOO_LONG = N_("This is too long for this field.")
NOT_A_NUMBER = N_("Enter a number, such as 42.")
OUT_OF_RANGE = N_("This number is outside the range this field allows.")
NOT_A_DATE = N_("Enter a date as year-month-day, such as 2026-11-23.")
NOT_AN_OPTION = N_("Choose one of the options offered.")
NOT_MONEY = N_("Enter an amount in yuan, such as 1200 or 1200.50.")
NOT_YES_NO = N_("Choose yes or no.")
REQUIRED = N_("Please fill this in.")

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")


def check_value(field: FieldDef, raw: str) -> str:
    """The normalized value of ``raw`` for ``field`` ('' when left empty)."""
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        return ""
    if has_invisible(value, multiline=field.kind is FieldKind.TEXTAREA):
        _fail(field, INVISIBLE)
    if len(value) > field.max_length:
        _fail(field, TOO_LONG)
    checker = _CHECKERS.get(field.kind)
    return checker(field, value) if checker else value


def check_values(
    fields: Mapping[str, FieldDef], raw: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Normalized values of the known fields in ``raw``, and one message per bad field."""
    clean: dict[str, str] = {}
    problems: dict[str, str] = {}
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            continue
        try:
            clean[key] = check_value(field, value)
        except RuleViolation as exc:
            problems[key] = exc.fields.get(key, exc.message or "")
    return clean, problems


def is_sensitive(field: FieldDef) -> bool:
    """Whether the field holds personal numbers: shown masked, never echoed back in inputs."""
    if field.kind in (FieldKind.ID_NUMBER, FieldKind.PHONE):
        return True
    if field.prefill is None:
        return False
    source = SOURCES.get(field.prefill.source)
    spec = source.field(field.prefill.field) if source else None
    return bool(spec and spec.sensitive)


def missing_fields(keys: Iterable[str], values: Mapping[str, str]) -> dict[str, str]:
    """A ``REQUIRED`` message for each of ``keys`` without a value."""
    return {key: REQUIRED for key in keys if not values.get(key)}


def _fail(field: FieldDef, message: str) -> None:
    raise RuleViolation(message, fields={field.key: message})


def _number(field: FieldDef, value: str) -> str:
    if not _NUMBER.match(value):
        _fail(field, NOT_A_NUMBER)
    number = float(value)
    too_small = field.min_value is not None and number < field.min_value
    too_large = field.max_value is not None and number > field.max_value
    if too_small or too_large:
        _fail(field, OUT_OF_RANGE)
    return value


def _money(field: FieldDef, value: str) -> str:
    value = value.replace(",", "").removeprefix("¥").strip()
    if not _MONEY.match(value):
        _fail(field, NOT_MONEY)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        _fail(field, NOT_MONEY)
        raise
    return f"{amount:.2f}"


def _date(field: FieldDef, value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        _fail(field, NOT_A_DATE)
        raise


def _select(field: FieldDef, value: str) -> str:
    if value not in {o.value for o in field.options}:
        _fail(field, NOT_AN_OPTION)
    return value


def _boolean(field: FieldDef, value: str) -> str:
    if value not in ("yes", "no"):
        _fail(field, NOT_YES_NO)
    return value


def _id_number(field: FieldDef, value: str) -> str:
    return validate_id_number(value, field=field.key)


def _credit_code(field: FieldDef, value: str) -> str:
    return validate_credit_code(value, field=field.key)


def _phone(field: FieldDef, value: str) -> str:
    return validate_phone(value, field=field.key)


_CHECKERS = {
    FieldKind.NUMBER: _number,
    FieldKind.MONEY: _money,
    FieldKind.DATE: _date,
    FieldKind.SELECT: _select,
    FieldKind.BOOLEAN: _boolean,
    FieldKind.ID_NUMBER: _id_number,
    FieldKind.CREDIT_CODE: _credit_code,
    FieldKind.PHONE: _phone,
}
