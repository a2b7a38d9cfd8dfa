"""Properties of the number validators: ID numbers, credit codes, mobile numbers (issue 9).

Round trips: every generated valid number is accepted, however it is typed (full-width,
spaced, lower-case x), and validating the result gives it back unchanged. Any single-
character change — a substitution by any character, a deletion, an insertion — is refused,
and no refusal repeats the number. tests/unit/kernel/test_identity_numbers.py holds the examples
and the substitutions within each alphabet; these add arbitrary characters and lengths.

Generated numbers live in memory only: nothing here logs or writes them, and the Hypothesis
profiles keep no example database (tests/hypothesis_profiles.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from app.errors import RuleViolation
from app.numbers import (
    CREDIT_CODE_ALPHABET,
    normalize_credit_code,
    normalize_id_number,
    validate_credit_code,
    validate_id_number,
)
from app.phones import validate_phone
from tests.unit.kernel.test_identity_numbers import (
    TODAY,
    id_number,
    valid_credit_codes,
    valid_id_numbers,
)

valid_phones = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
any_character = st.characters(codec="utf-8")


def _full_width(text: str) -> str:
    # NFKC maps U+FF01..U+FF5E back to ASCII '!'..'~'.
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def _spaced(text: str, every: int) -> str:
    return " ".join(text[i : i + every] for i in range(0, len(text), every))


def _refused(validate: Callable[[str], str], raw: str) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        validate(raw)
    return caught.value


def _id(raw: str) -> str:
    return validate_id_number(raw, today=TODAY)


def _one_change(value: str, data: st.DataObject, alphabet: st.SearchStrategy[str]) -> str:
    """``value`` with one character substituted, deleted or inserted (never the same)."""
    at = data.draw(st.integers(min_value=0, max_value=len(value) - 1), label="position")
    how = data.draw(st.sampled_from(("substitute", "delete", "insert")), label="change")
    if how == "delete":
        return value[:at] + value[at + 1 :]
    other = data.draw(alphabet, label="character")
    if how == "insert":
        return value[:at] + other + value[at:]
    assume(other != value[at])
    return value[:at] + other + value[at + 1 :]


@given(valid_id_numbers, st.sampled_from(("plain", "full-width", "spaced", "lower")))
def test_a_valid_id_number_is_accepted_however_it_is_typed(number: str, typed: str) -> None:
    rendering = {
        "plain": number,
        "full-width": _full_width(number),
        "spaced": _spaced(number, 6),
        "lower": number.lower(),
    }[typed]
    assert _id(rendering) == number
    assert _id(_id(rendering)) == number
    # The check character agrees with python-stdnum's GB 11643 computation.
    assert ric.calc_check_digit(number) == number[-1]


@given(valid_id_numbers, st.data())
def test_any_single_character_change_to_an_id_number_is_refused(
    number: str, data: st.DataObject
) -> None:
    changed = _one_change(number, data, st.one_of(st.sampled_from("0123456789X"), any_character))
    # Changes that normalization undoes (a space, a full-width twin, x for X) are no change.
    assume(normalize_id_number(changed) != number)
    refusal = _refused(_id, changed)
    assert number not in refusal.message
    assert number not in str(refusal.fields)


@given(valid_credit_codes, st.sampled_from(("plain", "full-width", "spaced", "lower")))
def test_a_valid_credit_code_is_accepted_however_it_is_typed(code: str, typed: str) -> None:
    rendering = {
        "plain": code,
        "full-width": _full_width(code),
        "spaced": _spaced(code, 4),
        "lower": code.lower(),
    }[typed]
    assert validate_credit_code(rendering) == code
    assert validate_credit_code(validate_credit_code(rendering)) == code
    # The check character agrees with python-stdnum's GB 32100 computation.
    assert uscc.calc_check_digit(code) == code[-1]


@given(valid_credit_codes, st.data())
def test_any_single_character_change_to_a_credit_code_is_refused(
    code: str, data: st.DataObject
) -> None:
    changed = _one_change(
        code, data, st.one_of(st.sampled_from(CREDIT_CODE_ALPHABET), any_character)
    )
    assume(normalize_credit_code(changed) != code)
    refusal = _refused(validate_credit_code, changed)
    assert code not in refusal.message
    assert code not in str(refusal.fields)


@given(valid_phones, st.sampled_from(("plain", "+86", "0086", "dashes", "full-width", "spaced")))
def test_a_valid_mobile_number_is_accepted_however_it_is_typed(phone: str, typed: str) -> None:
    rendering = {
        "plain": phone,
        "+86": f"+86 {phone}",
        "0086": f"0086{phone}",
        "dashes": f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
        "full-width": _full_width(phone),
        "spaced": _spaced(phone, 4),
    }[typed]
    assert validate_phone(rendering) == phone
    assert validate_phone(validate_phone(rendering)) == phone


@given(valid_phones, st.data())
def test_a_mobile_number_one_digit_short_or_long_or_badly_prefixed_is_refused(
    phone: str, data: st.DataObject
) -> None:
    # A mobile number has no check digit: a substituted digit is another valid number. What
    # can be refused is the wrong length, a character that is not a digit, a wrong prefix.
    at = data.draw(st.integers(min_value=0, max_value=10))
    how = data.draw(st.sampled_from(("delete", "insert", "letter", "prefix")))
    changed = {
        "delete": phone[:at] + phone[at + 1 :],
        "insert": phone[:at] + data.draw(st.sampled_from("0123456789")) + phone[at:],
        "letter": phone[:at] + data.draw(st.sampled_from("abcOlI")) + phone[at + 1 :],
        "prefix": phone[0] + data.draw(st.sampled_from("012")) + phone[2:],
    }[how]
    refusal = _refused(validate_phone, changed)
    assert phone not in refusal.message
    assert phone not in str(refusal.fields)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999))
def test_the_birth_date_a_valid_id_number_carries_is_read_back(born: date, sequence: int) -> None:
    number = id_number("110105", born, sequence)
    assert _id(number) == number
    assert ric.get_birth_date(number) == born
