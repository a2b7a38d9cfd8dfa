"""A stored answer as a person reads it: labels for codes, yes or no, numbers masked."""

from __future__ import annotations

from app.catalog.answers import answer_text, masked_value, question_answer_text
from app.catalog.loader import default_catalog

CATALOG = default_catalog().catalog


def test_a_choice_reads_as_its_label_in_the_readers_language() -> None:
    bank = CATALOG.fields["payee.bank"]
    assert answer_text(bank, "icbc", "zh_Hans") == "中国工商银行"
    assert answer_text(bank, "icbc", "en") == "ICBC"
    assert masked_value(bank, "icbc") == "icbc"


def test_yes_and_no_read_as_words() -> None:
    consent = CATALOG.fields["insurance.card_photo_consent"]
    assert answer_text(consent, "yes", "zh_Hans") == "是"
    assert answer_text(consent, "no", "en") == "No"


def test_a_code_the_catalog_no_longer_offers_is_shown_as_stored() -> None:
    assert answer_text(CATALOG.fields["payee.bank"], "gone-bank", "zh_Hans") == "gone-bank"


def test_personal_numbers_stay_masked() -> None:
    phone = CATALOG.fields["applicant.phone"]
    assert answer_text(phone, "13800138000", "zh_Hans") == "138****8000"
    assert answer_text(phone, "", "zh_Hans") == ""


def test_questionnaire_answers_read_as_their_labels() -> None:
    household = CATALOG.bundles["newborn"].questions[1]
    assert question_answer_text(household, ["elsewhere"], "en") == "Elsewhere"
