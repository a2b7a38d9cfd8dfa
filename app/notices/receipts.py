"""The SMS gateway's delivery receipts (回执): signed, checked, and read into a ``Receipt``.

After it has taken a notice (``POST {gateway}/messages`` with an ``Idempotency-Key``), the
gateway reports what became of it::

    POST /hooks/sms/receipts
    Content-Type: application/json
    X-Sms-Timestamp: <unix seconds>    X-Sms-Signature: <see below>
    {"key": "<the Idempotency-Key>", "status": "delivered", "at": "2026-11-23T23:20:00Z"}
    {"key": "…", "status": "undelivered", "code": "UNDELIV", "at": "…"}

    204                   taken (also when it changed nothing: a repeat, a later status)
    401 problem           no valid signature, or a timestamp more than 300 s from our clock
    404 problem           no SMS delivery with that key (or receipts are not configured)
    409 problem           the delivery is not finished sending yet: send the receipt again later
    422 problem           the body is not a receipt
    429 problem           too many receipts from one address: wait ``Retry-After`` seconds

The signature is ``base64(HMAC-SHA256(secret, string to sign))`` over three lines joined
by ``\\n``: ``POST``, the path (``/hooks/sms/receipts``), the timestamp, then
``hex(sha256(body))`` of the exact body bytes (as the data exchange's, without a nonce). The
secret is ``ONETHING_SMS_RECEIPT_SECRET`` as UTF-8. A captured receipt replayed within the
window changes nothing: receipts are applied idempotently and statuses only move forward.
A gateway sends each receipt until it gets a 2xx, signing every try afresh.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final
from uuid import UUID

import msgspec

from app import errors
from app.i18n import N_
from app.notices.delivery import Deliverer
from app.notices.models import DeliveryStatus

RECEIPTS_PATH: Final = "/hooks/sms/receipts"
TIMESTAMP_HEADER: Final = "X-Sms-Timestamp"
SIGNATURE_HEADER: Final = "X-Sms-Signature"
MAX_SKEW_SECONDS: Final = 300
NOT_A_RECEIPT = N_(
    'Send a receipt as JSON: "key", "status" ("delivered" or "undelivered"), "code" and "at".'
)
CODE_REQUIRED = N_("An undelivered receipt needs the provider's error code.")
BAD_SIGNATURE = N_("The receipt's signature is missing, wrong or too old.")


class ReceiptStatus(StrEnum):
    """What the gateway reports about a message it took."""

    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"


class Receipt(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=False):
    """One delivery receipt; ``code`` is the provider's error code of an undelivered one."""

    key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    status: ReceiptStatus
    at: datetime
    code: Annotated[str, msgspec.Meta(max_length=32, pattern=r"^[A-Za-z0-9_.:-]*$")] = ""

    def delivery_id(self) -> UUID | None:
        """The delivery the key names (our keys are delivery ids); None for any other key."""
        try:
            return UUID(self.key)
        except ValueError:
            return None


def string_to_sign(path: str, timestamp: str, body: bytes) -> bytes:
    """The exact bytes that are signed (see the module docstring)."""
    return f"POST\n{path}\n{timestamp}\n{hashlib.sha256(body).hexdigest()}".encode()


def sign(secret: str, path: str, timestamp: str, body: bytes) -> str:
    """``base64(HMAC-SHA256(secret, string_to_sign(...)))``."""
    mac = hmac.digest(secret.encode(), string_to_sign(path, timestamp, body), "sha256")
    return base64.b64encode(mac).decode()


def check_signature(
    secret: str, *, path: str, timestamp: str | None, signature: str | None, body: bytes,
    now: float,
) -> None:  # fmt: skip
    """``Unauthenticated`` unless the signature holds and the timestamp is recent."""
    if not timestamp or not signature or not timestamp.isdecimal():
        raise errors.Unauthenticated(BAD_SIGNATURE)
    expected = sign(secret, path, timestamp, body)
    # Compared in constant time, and before the clock: a forger learns nothing from timing.
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise errors.Unauthenticated(BAD_SIGNATURE)
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        raise errors.Unauthenticated(BAD_SIGNATURE)


def read_receipt(body: bytes) -> Receipt:
    """The receipt in ``body``; ``RuleViolation`` (422) when it is not one."""
    try:
        receipt = msgspec.json.decode(body, type=Receipt)
    except msgspec.ValidationError as exc:
        field = str(exc).rsplit("$.", 1)[-1].rstrip("`") if "$." in str(exc) else "body"
        raise errors.RuleViolation(fields={field: NOT_A_RECEIPT}) from None
    except msgspec.DecodeError:
        raise errors.RuleViolation(fields={"body": NOT_A_RECEIPT}) from None
    if receipt.status is ReceiptStatus.UNDELIVERED and not receipt.code:
        raise errors.RuleViolation(fields={"code": CODE_REQUIRED})
    if receipt.at.tzinfo is None:
        raise errors.RuleViolation(fields={"at": NOT_A_RECEIPT})
    return receipt


async def apply_receipt(deliverer: Deliverer, receipt: Receipt) -> None:
    """Move the SMS delivery the receipt names forward; ``NotFound`` for an unknown key.

    ``undelivered`` ends the delivery ``failed`` with ``undelivered:<code>``, which hands
    the notice over to the person's next channel (``Deliverer.apply_receipt``).
    """
    delivery_id = receipt.delivery_id()
    if delivery_id is None:
        raise errors.NotFound
    if receipt.status is ReceiptStatus.DELIVERED:
        status, reason = DeliveryStatus.DELIVERED, ""
    else:
        status, reason = DeliveryStatus.FAILED, f"undelivered:{receipt.code}"
    await deliverer.apply_receipt(delivery_id, status, reason=reason, at=receipt.at)
