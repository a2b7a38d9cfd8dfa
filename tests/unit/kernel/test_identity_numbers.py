"""ID numbers and unified social credit codes: normalization, validation, typo detection."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import RuleViolation
from app.numbers import (
    CHECK_CHARACTER_MISMATCH,
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_FORMAT,
    ID_NUMBER_FORMAT,
    IMPOSSIBLE_BIRTH_DATE,
    UNKNOWN_REGION,
    birth_date_of,
    is_valid_credit_code,
    is_valid_id_number,
    normalize_credit_code,
    normalize_id_number,
    normalize_phone,
    validate_credit_code,
    validate_id_number,
)

TODAY = date(2026, 11, 23)
ID_NUMBER = "11010519491231002X"
CREDIT_CODES = ("9144030071526726XG", "91350100M000100Y43")
ID_ALPHABET = "0123456789X"
# Real county-level codes, including ones created long after many residents were born
# (310115 Pudong, 1993) and the residence-permit regions of HK, Macao and Taiwan residents.
REGIONS = ("110105", "310115", "440305", "500103", "650102", "540102", "810000", "830000")
EXAMPLES = settings(max_examples=40, deadline=None)


# Computed here from the standards (GB 11643, GB 32100), independently of python-stdnum.
def id_check_character(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    value = (12 - sum(int(ch) * w for ch, w in zip(body, weights, strict=True)) % 11) % 11
    return "X" if value == 10 else str(value)


def credit_check_character(body: str) -> str:
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(body, weights, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def id_number(region: str, born: date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + id_check_character(body)


valid_id_numbers = st.builds(
    id_number,
    st.sampled_from(REGIONS),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


def _credit_code(authority_and_type: str, region: str, organisation: str) -> str:
    body = authority_and_type + region + organisation
    return body + credit_check_character(body)


valid_credit_codes = st.builds(
    _credit_code,
    st.sampled_from(("91", "92", "93", "11", "12", "51", "52", "31", "81", "N2", "Y1")),
    st.sampled_from((*REGIONS[:6], "100000")),
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)


def substitutions(value: str, alphabet: str) -> list[str]:
    return [
        value[:i] + other + value[i + 1 :]
        for i in range(len(value))
        for other in alphabet
        if other != value[i]
    ]


def adjacent_swaps(value: str) -> list[str]:
    return [
        value[:i] + value[i + 1] + value[i] + value[i + 2 :]
        for i in range(len(value) - 1)
        if value[i] != value[i + 1]
    ]


def id_error(raw: str) -> str:
    with pytest.raises(RuleViolation) as caught:
        validate_id_number(raw, today=TODAY)
    assert caught.value.fields == {"id_number": caught.value.message}
    return caught.value.message


def test_known_good_id_number_is_accepted_and_returned_normalized() -> None:
    assert validate_id_number(ID_NUMBER, today=TODAY) == ID_NUMBER
    assert is_valid_id_number(ID_NUMBER)


def test_full_width_spaced_and_lower_case_id_numbers_are_normalized() -> None:
    typed = "１１０１０５\u3000１９４９１２３１ ００２ｘ"
    assert normalize_id_number(typed) == ID_NUMBER
    assert validate_id_number(typed, today=TODAY) == ID_NUMBER
    assert validate_id_number("11010519491231002x", today=TODAY) == ID_NUMBER


def test_birth_date_of_reads_the_date_from_the_number() -> None:
    assert birth_date_of(ID_NUMBER) == date(1949, 12, 31)


@pytest.mark.parametrize(
    "raw",
    ["", "1101051949123100", "11010519491231002XX", "1101051949123100X2", "110105194912310O2X"],
)
def test_wrong_length_or_characters_get_the_format_message(raw: str) -> None:
    assert id_error(raw) == ID_NUMBER_FORMAT


def test_other_scripts_digits_are_not_taken_for_ascii_digits() -> None:
    arabic_indic_one = "\u0661"  # ١: a decimal digit to str.isdigit, but not to NFKC
    assert id_error(arabic_indic_one + ID_NUMBER[1:]) == ID_NUMBER_FORMAT


def test_wrong_check_character_gets_its_own_message() -> None:
    assert id_error("110105194912310021") == CHECK_CHARACTER_MISMATCH


@pytest.mark.parametrize(
    "born",
    ["19490230", "19491301", "18991231", "20261124", "00000000"],
    ids=["30-february", "month-13", "before-1900", "tomorrow-in-china", "zeros"],
)
def test_impossible_birth_dates_are_refused(born: str) -> None:
    body = f"110105{born}002"
    assert id_error(body + id_check_character(body)) == IMPOSSIBLE_BIRTH_DATE


def test_a_birth_date_of_today_is_accepted() -> None:
    assert is_valid_id_number(id_number("110105", TODAY, 1), today=TODAY)


@pytest.mark.parametrize("region", ["000000", "990000", "200000", "720000"])
def test_unknown_province_prefix_is_refused(region: str) -> None:
    assert id_error(id_number(region, date(1990, 1, 1), 1)) == UNKNOWN_REGION


def test_county_created_after_the_birth_year_is_still_accepted() -> None:
    # python-stdnum's ric.validate refuses this real pattern (Pudong code 310115 is from 1993).
    assert is_valid_id_number(id_number("310115", date(1950, 1, 1), 1), today=TODAY)


def test_error_names_the_field_the_caller_chose() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_id_number("123", field="agent_id_number")
    assert caught.value.fields == {"agent_id_number": ID_NUMBER_FORMAT}


def test_messages_never_repeat_the_number() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_id_number("110105194912310021")
    assert "110105" not in str(caught.value)


@EXAMPLES
@given(valid_id_numbers)
def test_generated_id_numbers_are_valid(number: str) -> None:
    assert validate_id_number(number, today=TODAY) == number


@EXAMPLES
@given(valid_id_numbers)
def test_every_single_character_substitution_of_an_id_number_is_refused(number: str) -> None:
    for typo in substitutions(number, ID_ALPHABET):
        assert not is_valid_id_number(typo, today=TODAY), typo


@EXAMPLES
@given(valid_id_numbers)
def test_every_adjacent_swap_in_an_id_number_is_refused(number: str) -> None:
    for typo in adjacent_swaps(number):
        assert not is_valid_id_number(typo, today=TODAY), typo


@pytest.mark.parametrize("code", CREDIT_CODES)
def test_known_good_credit_codes_are_accepted(code: str) -> None:
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)


def test_full_width_spaced_and_lower_case_credit_codes_are_normalized() -> None:
    typed = "９１４４ ０３００ ７１５２ ６７２６ｘｇ"
    assert normalize_credit_code(typed) == "9144030071526726XG"
    assert validate_credit_code("91350100m000100y43") == "91350100M000100Y43"


def test_credit_codes_of_rural_collectives_and_other_authorities_may_start_with_a_letter() -> None:
    # GB 32100 authority Y (other) and N (agriculture): python-stdnum's uscc refuses both.
    for body in ("N2110105MA0000001", "Y1440305MA5DA1234"):
        assert is_valid_credit_code(body + credit_check_character(body))


@pytest.mark.parametrize(
    "raw",
    ["", "9144030071526726X", "9144030071526726XGX", "9144030071526726OG", "91A4030071526726XG"],
    ids=["empty", "short", "long", "letter-o", "letter-in-region"],
)
def test_malformed_credit_codes_get_the_format_message(raw: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_credit_code(raw)
    assert caught.value.fields == {"credit_code": CREDIT_CODE_FORMAT}


def test_credit_code_with_wrong_check_character_gets_the_shared_message() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_credit_code("9144030071526726XH")
    assert caught.value.message == CHECK_CHARACTER_MISMATCH


@EXAMPLES
@given(valid_credit_codes)
def test_generated_credit_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code


@EXAMPLES
@given(valid_credit_codes)
def test_every_single_character_substitution_of_a_credit_code_is_refused(code: str) -> None:
    for typo in substitutions(code, CREDIT_CODE_ALPHABET):
        assert not is_valid_credit_code(typo), typo


@EXAMPLES
@given(valid_credit_codes)
def test_every_adjacent_swap_in_a_credit_code_is_refused(code: str) -> None:
    for typo in adjacent_swaps(code):
        assert not is_valid_credit_code(typo), typo


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "+86 138-1234-5678", "008613812345678", "８６13812345678"],
)
def test_phone_numbers_typed_in_different_ways_normalize_alike(raw: str) -> None:
    assert normalize_phone(raw) == "13812345678"
