"""How a stored answer reads to a person: option labels, yes or no, personal numbers masked.

Forms store stable codes (``father``, ``icbc``, ``mail``, ``yes``): the catalog's options
say what each means, in both languages. Every place that shows an answer — the review, the
application's form on the staff desks, the tablet, the mini-program's labels, the data export
— reads it through ``answer_text``; ``masked_value`` is for where the code itself must stay
(an input's value, the API's ``value``).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.catalog.schema import FieldDef, FieldKind, Question
from app.catalog.values import is_sensitive
from app.i18n import N_, translations
from app.privacy import mask_id_number, mask_phone

YES = N_("Yes")
NO = N_("No")
_BOOLEAN = {"yes": YES, "no": NO}


def masked_value(field: FieldDef, value: str) -> str:
    """The stored value itself, with ID and phone numbers masked ('' for none)."""
    if not value:
        return ""
    if field.kind is FieldKind.PHONE:
        return mask_phone(value)
    return mask_id_number(value) if is_sensitive(field) else value


def choice_label(field: FieldDef, value: str, locale: str) -> str | None:
    """The words for a choice's stored code in ``locale`` (an option's label, yes or no);
    None when ``value`` is not a choice the field offers."""
    if field.kind is FieldKind.BOOLEAN and value in _BOOLEAN:
        return translations(locale).ugettext(_BOOLEAN[value])
    for option in field.options:
        if option.value == value:
            return option.label(locale)
    return None


def answer_text(field: FieldDef, value: str, locale: str) -> str:
    """The value as a person reads it in ``locale``: the option's label for a choice, yes or
    no, numbers masked. A code the catalog no longer offers is shown as it is stored."""
    return choice_label(field, value, locale) or masked_value(field, value)


def question_answer_text(question: Question, values: Sequence[str], locale: str) -> str:
    """The answers to a questionnaire question as labels, joined ('、' or ', ')."""
    labels = {option.value: option.label(locale) for option in question.options}
    return ("、" if locale.startswith("zh") else ", ").join(labels.get(v, v) for v in values)
