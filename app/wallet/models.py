"""Wallet tables: licenses, the departments' signing keys, and the card verification log.

Licenses are never deleted: revoking or expiring one changes its status and keeps the row,
so a card shown yesterday can still be told apart from one that never existed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import BigIntAuditBase, UUIDv7AuditBase


class LicenseStatus(StrEnum):
    """Where a license stands. Only ``issued`` licenses verify as authentic."""

    ISSUED = "issued"
    REVOKED = "revoked"  # 注销/吊销 by the issuing department, with a reason
    EXPIRED = "expired"  # past ``valid_until`` (set by the sweep; reads check the date too)


class Verdict(StrEnum):
    """What the public verifier says about a presented card."""

    AUTHENTIC = "authentic"
    EXPIRED = "expired"  # the card's short lifetime, or the license's validity, has passed
    REVOKED = "revoked"
    TAMPERED = "tampered"  # not a well-formed card, or the signature does not match
    UNKNOWN_KEY = "unknown-key"  # signed with a key that is not published


class License(UUIDv7AuditBase):
    """An e-license held by a person or an enterprise, signed by its issuing department.

    ``fields`` holds the license's content. A value that is an ID or phone number is never
    stored there in clear: it is ``{"masked": …, "ciphertext": …}`` (see ``app.wallet.fields``).
    ``jws`` is the compact JWS (ES256) of the content, signed with the department's key.
    """

    __tablename__ = "wallet_license"
    __table_args__ = (
        UniqueConstraint("license_type", "number"),
        CheckConstraint("(person_id IS NULL) <> (enterprise_id IS NULL)", name="one_holder"),
        Index("ix_wallet_license_person", "person_id", "issued_at"),
        Index("ix_wallet_license_enterprise", "enterprise_id", "issued_at"),
        Index("ix_wallet_license_due", "status", "valid_until"),
    )

    license_type: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    enterprise_id: Mapped[UUID | None] = mapped_column(ForeignKey("enterprise.id"), default=None)
    department_code: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    valid_from: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    status: Mapped[LicenseStatus] = mapped_column(String(16), default=LicenseStatus.ISSUED)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revocation_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    # What produced the license (a finished matter's result); issuing twice for it is a no-op.
    source_ref: Mapped[str] = mapped_column(String(200), unique=True)
    signing_kid: Mapped[str] = mapped_column(String(64))
    jws: Mapped[str] = mapped_column(Text)

    def status_at(self, moment: datetime) -> LicenseStatus:
        """The status at ``moment``: an issued license past its validity reads as expired."""
        if self.status == LicenseStatus.ISSUED and self.valid_until and self.valid_until <= moment:
            return LicenseStatus.EXPIRED
        return LicenseStatus(self.status)


class SigningKey(UUIDv7AuditBase):
    """One ES256 key of a department. The private key is encrypted at rest (DataProtector).

    A department has at most one current key (``retired_at`` empty); a retired key signs
    nothing new but stays published, so licenses signed with it keep verifying.
    """

    __tablename__ = "wallet_signing_key"
    __table_args__ = (
        Index(
            "uq_wallet_signing_key_current",
            "department_code",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    department_code: Mapped[str] = mapped_column(String(32), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_key_ciphertext: Mapped[str] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class CardVerification(BigIntAuditBase):
    """One scan of a card at the public verifier: which license, when, with what outcome.

    Never who scanned: no address, no account, only a coarse kind of device (``client``).
    """

    __tablename__ = "wallet_card_verification"
    __table_args__ = (Index("ix_wallet_card_verification_license", "license_id", "verified_at"),)

    license_id: Mapped[UUID] = mapped_column(ForeignKey("wallet_license.id"))
    verified_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    outcome: Mapped[Verdict] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(String(32), default="other")
