"""Masking of ID numbers and phone numbers on screen and in logs."""

from __future__ import annotations

import io
import json
import logging

import structlog

from app.logging import configure_logging
from app.privacy import mask_id_number, mask_phone, redact

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def test_phone_keeps_three_and_four_digits() -> None:
    assert mask_phone(PHONE) == "138****5678"


def test_id_number_hides_the_birth_date() -> None:
    masked = mask_id_number(ID_NUMBER)
    assert masked == "1101**********002X"
    assert "19491231" not in masked


def test_redact_finds_numbers_inside_text_but_not_longer_digit_runs() -> None:
    text = f"user {ID_NUMBER} phone +86 {PHONE}, order 202611230000123456789"
    redacted = redact(text)
    assert ID_NUMBER not in redacted
    assert PHONE not in redacted
    assert "1101**********002X" in redacted
    assert "138****5678" in redacted
    assert "202611230000123456789" in redacted


def test_redact_masks_old_fifteen_digit_id_numbers() -> None:
    assert "110105491231002" not in redact("old id 110105491231002 here")


def test_logs_never_carry_an_id_or_phone_number_in_clear() -> None:
    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream)
    structlog.get_logger("test").info(
        f"signed in {PHONE}", person={"id_number": ID_NUMBER, "phones": [PHONE]}, number=13812345678
    )
    logging.getLogger("uvicorn.error").warning("stdlib record about %s", ID_NUMBER)
    output = stream.getvalue()
    assert ID_NUMBER not in output
    assert PHONE not in output
    records = [json.loads(line) for line in output.splitlines()]
    assert records[0]["person"]["id_number"] == "1101**********002X"
    assert records[0]["number"] == "138****5678"
    assert records[1]["event"] == "stdlib record about 1101**********002X"


def test_a_hex_request_id_is_not_mistaken_for_a_phone_number() -> None:
    request_id = "bc5e8c14868545728eaca235b83ca152"
    assert redact(request_id) == request_id
    assert redact("电话13800138000，") == "电话138****8000，"


def test_redact_keeps_only_the_numbers_it_is_told_are_the_persons_own() -> None:
    text = "本人13812345678、11010519491231002x；配偶13912345678、430104196605181835"
    redacted = redact(text, keep=["13812345678", "11010519491231002X"])
    assert "13812345678" in redacted
    assert "11010519491231002x" in redacted
    assert "13912345678" not in redacted
    assert "430104196605181835" not in redacted
