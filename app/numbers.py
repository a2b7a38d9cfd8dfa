"""Personal and organisation identifiers: normalization and validation.

- Resident ID-card numbers (居民身份证号码, GB 11643-1999): 18 characters — a 6-digit region
  code, the birth date ``YYYYMMDD``, a 3-digit sequence and a check character (0-9 or X).
  Residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证) use the same
  format with the regions 810000, 820000 and 830000 and are accepted.
- Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from
  ``0-9A-Y`` without I, O, Z, S and V.

Check characters are computed by python-stdnum. Its ``validate`` functions are not called,
because both are stricter than the standards (see ``_has_known_province`` and
``_credit_code_error``) and would turn real people and organisations away.

Validation errors are ``RuleViolation``s whose messages are gettext ids, shown to the person
who typed the number; they never contain the number itself (it is personal information).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from functools import cache

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

from app.errors import RuleViolation
from app.i18n import N_

ID_NUMBER_FORMAT = N_("Enter all 18 characters of the ID number: 17 digits, then a digit or X.")
CHECK_CHARACTER_MISMATCH = N_("The last character does not match; please check the number.")
IMPOSSIBLE_BIRTH_DATE = N_(
    "The birth date in this ID number (characters 7 to 14) is not possible; "
    "please check the number."
)
UNKNOWN_REGION = N_(
    "This ID number does not start with a known region code; please check the number."
)
CREDIT_CODE_FORMAT = N_(
    "Enter all 18 characters of the unified social credit code: digits and capital letters "
    "except I, O, Z, S and V."
)

# China has kept UTC+8 all year since 1991, so a fixed offset needs no tz database.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# GB 32100: the 31 characters a credit code may use (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_CREDIT_CODE = re.compile(rf"[{CREDIT_CODE_ALPHABET}]{{2}}[0-9]{{6}}[{CREDIT_CODE_ALPHABET}]{{10}}")
# 830000: residence permits of Taiwan residents (2018), a region stdnum's table lacks.
_EXTRA_PROVINCE_PREFIXES = frozenset({"83"})


def _compact(raw: str) -> str:
    """NFKC (full-width ０-９/Ａ-Ｚ and the ideographic space become ASCII), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", raw).split())


def normalize_id_number(raw: str) -> str:
    """``' １１０１０５ 19491231002x'`` -> ``'11010519491231002X'``; does not validate."""
    return _compact(raw).replace("x", "X")


def normalize_credit_code(raw: str) -> str:
    """Full-width to ASCII, whitespace removed, upper case; does not validate."""
    return _compact(raw).upper()


def normalize_phone(raw: str) -> str:
    """A phone number as digits only, without the +86 / 0086 prefix of mainland mobiles.

    ``'+86 138-1234-5678'`` -> ``'13812345678'``. Used so that a blind index of the same
    phone typed two ways is the same; it does not validate.
    """
    digits = "".join(ch for ch in _compact(raw) if ch not in "-()+")
    for prefix in ("0086", "86"):
        rest = digits.removeprefix(prefix)
        if rest != digits and len(rest) == 11 and rest.startswith("1"):
            return rest
    return digits


def today_in_china() -> date:
    """Today's date in China Standard Time, whatever the server's time zone."""
    return datetime.now(CHINA_STANDARD_TIME).date()


def validate_id_number(raw: str, *, field: str = "id_number", today: date | None = None) -> str:
    """The normalized ID number, or ``RuleViolation`` with one message for ``field``.

    Checked in the order a person can act on: format, check character (catches most
    typos), birth date (real, from 1900 on, not after ``today`` in China), region.
    """
    number = normalize_id_number(raw)
    message = _id_number_error(number, today or today_in_china())
    if message is not None:
        raise RuleViolation(message, fields={field: message})
    return number


def _id_number_error(number: str, today: date) -> str | None:
    if not _ID_NUMBER.fullmatch(number):
        return ID_NUMBER_FORMAT
    if ric.calc_check_digit(number) != number[-1]:
        return CHECK_CHARACTER_MISMATCH
    birth_date = _birth_date(number)
    if birth_date is None or not EARLIEST_BIRTH_DATE <= birth_date <= today:
        return IMPOSSIBLE_BIRTH_DATE
    if not _has_known_province(number):
        return UNKNOWN_REGION
    return None


def _birth_date(number: str) -> date | None:
    try:
        birth_date: date = ric.get_birth_date(number)
    except StdnumValidationError:
        return None
    return birth_date


def _has_known_province(number: str) -> bool:
    """True when the first two digits name a province-level division (GB/T 2260).

    Only the province is checked, on purpose. stdnum's ``ric.validate`` also requires the
    county to have existed in the birth year, but a number records where it was first
    issued, often decades after birth (a Pudong resident born in 1950 has 310115, a code
    from 1993), and its table would lag behind newly created districts.
    """
    prefix = number[:2]
    return prefix in _EXTRA_PROVINCE_PREFIXES or prefix in _known_province_prefixes()


@cache
def _known_province_prefixes() -> frozenset[str]:
    """Province-level codes from python-stdnum's table of divisions (read once)."""
    table = numdb.get("cn/loc")
    prefixes = (f"{code:02d}" for code in range(10, 100))
    return frozenset(prefix for prefix in prefixes if "province" in table.info(prefix)[0][1])


def is_valid_id_number(raw: str, *, today: date | None = None) -> bool:
    """Whether ``raw`` is, once normalized, a valid ID number."""
    return _id_number_error(normalize_id_number(raw), today or today_in_china()) is None


def birth_date_of(id_number: str, *, field: str = "id_number") -> date:
    """The birth date recorded in a valid ID number; ``RuleViolation`` when it is not valid."""
    number = validate_id_number(id_number, field=field)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate_credit_code(raw: str, *, field: str = "credit_code") -> str:
    """The normalized unified social credit code, or ``RuleViolation`` for ``field``."""
    code = normalize_credit_code(raw)
    message = _credit_code_error(code)
    if message is not None:
        raise RuleViolation(message, fields={field: message})
    return code


def _credit_code_error(code: str) -> str | None:
    """Format, then check character.

    Unlike stdnum's ``uscc.validate`` the first two characters (registering authority and
    organisation type) may be letters: GB 32100 assigns Y (other authorities), and rural
    collective economic organisations registered by agriculture departments start with N.
    """
    if not _CREDIT_CODE.fullmatch(code):
        return CREDIT_CODE_FORMAT
    if uscc.calc_check_digit(code) != code[-1]:
        return CHECK_CHARACTER_MISMATCH
    return None


def is_valid_credit_code(raw: str) -> bool:
    """Whether ``raw`` is, once normalized, a valid unified social credit code."""
    return _credit_code_error(normalize_credit_code(raw)) is None
