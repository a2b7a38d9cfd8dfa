"""The passkey table: WebAuthn credentials a person registered for signing in.

A passkey holds no secret: the public key verifies the authenticator's signatures, the
credential id names it, the user handle is a random per-person value the authenticator
returns on sign-in (never the database id or a phone number, which it would expose).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UUIDv7AuditBase

# WebAuthn caps credential ids at 1023 bytes: 1364 base64url characters.
CREDENTIAL_ID_LENGTH = 1400
NAME_LENGTH = 60


class Passkey(UUIDv7AuditBase):
    """One WebAuthn credential of a person (通行密钥)."""

    __tablename__ = "passkey"

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), index=True)
    # base64url, as the browser reports it: the look-up key at sign-in.
    credential_id: Mapped[str] = mapped_column(String(CREDENTIAL_ID_LENGTH), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE_Key
    # An unsigned 32-bit counter; 0 forever for authenticators (synced passkeys) that keep none.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    user_handle: Mapped[str] = mapped_column(String(100))  # base64url, shared by the person's keys
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
