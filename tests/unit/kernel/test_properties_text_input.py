"""Properties of the typed-text rule (app/text_input.py) and of a form field's check (issue 9).

Printable text of any script — letters, marks, digits, punctuation, symbols, spaces,
zero-width joiners — is never refused; one control, format, surrogate, private-use or
unassigned character anywhere refuses it; tab and line breaks only in multi-line fields.
A text field's check either refuses with its own message or returns text the rule accepts.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.catalog.schema import FieldDef, FieldKind
from app.catalog.values import check_value
from app.errors import RuleViolation
from app.text_input import INVISIBLE, has_invisible

PRINTABLE = ("L", "M", "N", "P", "S", "Zs")
REFUSED = ("Cc", "Cf", "Co", "Cn")  # Cs (lone surrogates) cannot come in as UTF-8 text
LINE_BREAKS = "\t\n\r"
JOINERS = "\u200c\u200d"

printable_text = st.text(
    alphabet=st.one_of(
        st.characters(categories=PRINTABLE, codec="utf-8"), st.sampled_from(JOINERS)
    ),
    max_size=60,
)
refused_character = st.characters(categories=REFUSED, codec="utf-8").filter(
    lambda ch: ch not in LINE_BREAKS and ch not in JOINERS
)


def _insert(text: str, at: int, char: str) -> str:
    at = min(at, len(text))
    return text[:at] + char + text[at:]


@given(printable_text, st.booleans())
def test_printable_text_of_any_script_is_never_refused(text: str, multiline: bool) -> None:
    assert not has_invisible(text, multiline=multiline)


@given(printable_text, st.integers(min_value=0, max_value=60), refused_character, st.booleans())
def test_one_control_or_format_character_anywhere_refuses_the_text(
    text: str, at: int, char: str, multiline: bool
) -> None:
    assert has_invisible(_insert(text, at, char), multiline=multiline)


@given(printable_text, st.integers(min_value=0, max_value=60), st.sampled_from(LINE_BREAKS))
def test_line_breaks_are_refused_on_one_line_and_allowed_on_several(
    text: str, at: int, char: str
) -> None:
    typed = _insert(text, at, char)
    assert has_invisible(typed, multiline=False)
    assert not has_invisible(typed, multiline=True)


@given(st.text(max_size=80), st.sampled_from((FieldKind.TEXT, FieldKind.TEXTAREA)))
def test_a_text_field_refuses_with_its_message_or_keeps_only_acceptable_text(
    raw: str, kind: FieldKind
) -> None:
    field = FieldDef(key="note", label={"en": "Note"}, kind=kind, group="g", max_length=40)
    try:
        value = check_value(field, raw)
    except RuleViolation as refusal:
        refused_fields = set(refusal.fields)
        value = None
    if value is None:
        assert refused_fields == {"note"}
        return
    multiline = kind is FieldKind.TEXTAREA
    assert not has_invisible(value, multiline=multiline)
    assert len(value) <= 40
    assert value == unicodedata.normalize("NFKC", value).strip()


@given(printable_text, refused_character)
def test_a_text_field_names_the_invisible_character_problem(text: str, char: str) -> None:
    field = FieldDef(key="name", label={"en": "Name"}, kind=FieldKind.TEXT, group="g")
    typed = "a" + text[:30] + char + "b"
    # NFKC may map a compatibility character away; only what survives it is judged.
    if not has_invisible(unicodedata.normalize("NFKC", typed)):
        return
    with pytest.raises(RuleViolation) as caught:
        check_value(field, typed)
    assert caught.value.fields == {"name": INVISIBLE}
