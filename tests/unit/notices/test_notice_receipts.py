"""Delivery statuses only move forward; SMS receipts are signed, recent and well-formed."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from app import errors
from app.notices.models import DeliveryStatus
from app.notices.receipts import (
    MAX_SKEW_SECONDS,
    RECEIPTS_PATH,
    ReceiptStatus,
    check_signature,
    read_receipt,
    sign,
)

S = DeliveryStatus
ALLOWED = {
    (S.PENDING, S.SENT),
    (S.PENDING, S.FAILED),
    (S.PENDING, S.GAVE_UP),
    (S.SENT, S.DELIVERED),  # the gateway's receipt: the phone has it
    (S.SENT, S.FAILED),  # the gateway's receipt: never delivered
}
SECRET = "receipt-secret"
NOW = 1_800_000_000
BODY = (
    b'{"key":"0190a000-0000-7000-8000-000000000001","status":"delivered",'
    b'"at":"2027-01-15T08:00:00Z"}'
)


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("other", list(S))
def test_a_status_moves_only_forward_and_final_statuses_never_move(
    current: DeliveryStatus, other: DeliveryStatus
) -> None:
    assert current.can_become(other) is ((current, other) in ALLOWED)


def test_no_status_can_come_back_to_one_it_left() -> None:
    for current, other in ALLOWED:
        assert not other.can_become(current)
        assert not other.can_become(S.PENDING)


def test_the_signature_is_hmac_sha256_over_method_path_timestamp_and_body_digest() -> None:
    signed = f"POST\n{RECEIPTS_PATH}\n{NOW}\n{hashlib.sha256(BODY).hexdigest()}".encode()
    expected = base64.b64encode(hmac.digest(SECRET.encode(), signed, "sha256")).decode()

    assert sign(SECRET, RECEIPTS_PATH, str(NOW), BODY) == expected
    check_signature(
        SECRET, path=RECEIPTS_PATH, timestamp=str(NOW), signature=expected, body=BODY, now=NOW + 5
    )


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now"),
    [
        (str(NOW), None, BODY, NOW),  # unsigned
        (None, "x", BODY, NOW),  # no timestamp
        ("12ab", "x", BODY, NOW),  # not a number
        (str(NOW), sign("another-secret", RECEIPTS_PATH, str(NOW), BODY), BODY, NOW),
        (str(NOW), sign(SECRET, RECEIPTS_PATH, str(NOW), BODY), BODY + b" ", NOW),  # altered
        (str(NOW), sign(SECRET, "/other", str(NOW), BODY), BODY, NOW),  # another path
        (str(NOW), sign(SECRET, RECEIPTS_PATH, str(NOW), BODY), BODY, NOW + MAX_SKEW_SECONDS + 1),
        (str(NOW), sign(SECRET, RECEIPTS_PATH, str(NOW), BODY), BODY, NOW - MAX_SKEW_SECONDS - 1),
    ],
)
def test_a_receipt_without_a_valid_recent_signature_is_refused(
    timestamp: str | None, signature: str | None, body: bytes, now: int
) -> None:
    with pytest.raises(errors.Unauthenticated):
        check_signature(
            SECRET, path=RECEIPTS_PATH, timestamp=timestamp, signature=signature, body=body,
            now=now,
        )  # fmt: skip


def test_a_receipt_is_read_with_its_delivery_and_code() -> None:
    receipt = read_receipt(
        b'{"key":"0190a000-0000-7000-8000-000000000001","status":"undelivered",'
        b'"code":"UNDELIV","at":"2027-01-15T08:00:00+08:00","extra":1}'
    )
    assert receipt.status is ReceiptStatus.UNDELIVERED
    assert receipt.code == "UNDELIV"
    assert str(receipt.delivery_id()) == "0190a000-0000-7000-8000-000000000001"
    assert read_receipt(BODY.replace(b"0190a000", b"nota-uuid")).delivery_id() is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[]", "body"),
        (b'{"status":"delivered","at":"2027-01-15T08:00:00Z"}', "body"),  # no key
        (BODY.replace(b'"delivered"', b'"read"'), "status"),
        (BODY.replace(b"2027-01-15T08:00:00Z", b"yesterday"), "at"),
        (BODY.replace(b"2027-01-15T08:00:00Z", b"2027-01-15T08:00:00"), "at"),  # no zone
        (BODY.replace(b'"delivered"', b'"undelivered"'), "code"),  # undelivered needs a code
        (BODY[:-1] + b',"code":"bad code!"}', "code"),
    ],
)
def test_a_malformed_receipt_is_a_rule_violation_naming_the_field(body: bytes, field: str) -> None:
    with pytest.raises(errors.RuleViolation) as raised:
        read_receipt(body)
    assert list(raised.value.fields) == [field]
