"""Identity tables: departments, persons and the security-event log (staff: ``staff_models``).

ID-card and phone numbers are never stored in clear: each has a ciphertext column
(AES-GCM, see ``app.protection``) and a keyed blind-index column for look-ups.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import BigIntAuditBase, UUIDv7AuditBase
from app.protection import SensitiveColumn, SensitiveKind

PERSON_PHONE = SensitiveColumn("person.phone", SensitiveKind.PHONE)
PERSON_ID_NUMBER = SensitiveColumn("person.id_number", SensitiveKind.ID_NUMBER)


class Department(UUIDv7AuditBase):
    """A government department (部门) that handles matters and employs reviewers."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    hotline: Mapped[str | None] = mapped_column(String(32), default=None)
    sort_order: Mapped[int] = mapped_column(default=0)

    def name_in(self, locale: str) -> str:
        """The department's name in the reader's language (Chinese unless English is asked)."""
        return self.name_en if locale.startswith("en") else self.name_zh


class RealNameLevel(StrEnum):
    """How sure we are who the person is (实名等级)."""

    PHONE = "L1"  # the phone number was verified with a one-time code
    RECORDS = "L2"  # matched against the population record source
    IN_PERSON = "L3"  # verified face to face, at a window or by a field worker


class Person(UUIDv7AuditBase):
    """A resident (个人). Sensitive numbers are encrypted; ``*_index`` columns find them."""

    __tablename__ = "person"

    real_name: Mapped[str | None] = mapped_column(String(100), default=None)
    phone_ciphertext: Mapped[str] = mapped_column(String(200))
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_ciphertext: Mapped[str | None] = mapped_column(String(200), default=None)
    id_number_index: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    real_name_level: Mapped[RealNameLevel] = mapped_column(String(2), default=RealNameLevel.PHONE)
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    # Raising the epoch ends every session of the person ("sign out everywhere").
    session_epoch: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    @property
    def is_active(self) -> bool:
        """False once an administrator has disabled the account."""
        return self.disabled_at is None


class SecurityEventKind(StrEnum):
    """What happened, for the security log (等保: every sign-in attempt is recorded)."""

    CODE_SENT = "code_sent"  # recorded just before the text is handed to the gateway
    CODE_NOT_SENT = "code_not_sent"  # … which then did not take it
    CODE_REFUSED = "code_refused"  # rate limit or invalid number
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_UNBOUND = "account_unbound"
    NUMBERS_REVEALED = "numbers_revealed"
    REVEAL_REFUSED = "reveal_refused"
    ACTING_AS_CHANGED = "acting_as_changed"  # the identity switcher: myself or an enterprise
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"
    MEMBER_ROLE_CHANGED = "member_role_changed"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    PASSKEY_SIGN_IN = "passkey_sign_in"
    PASSKEY_SIGN_IN_FAILED = "passkey_sign_in_failed"
    STAFF_SIGN_IN = "staff_sign_in"
    STAFF_SIGN_IN_FAILED = "staff_sign_in_failed"
    STAFF_LOCKED = "staff_locked"
    STAFF_SIGN_OUT = "staff_sign_out"
    STAFF_CREATED = "staff_created"
    STAFF_DISABLED = "staff_disabled"
    # Real-name verification asks the population records: each ask is logged with its outcome.
    REAL_NAME_VERIFIED = "real_name_verified"
    REAL_NAME_REFUSED = "real_name_refused"  # no match, number taken, rate limit, source down


class SecurityEvent(BigIntAuditBase):
    """Append-only record of a security event. Holds blind indexes, never clear numbers."""

    __tablename__ = "security_event"
    __table_args__ = (
        Index("ix_security_event_person_created", "person_id", "created_at"),
        Index("ix_security_event_enterprise_created", "enterprise_id", "created_at"),
        Index("ix_security_event_staff_created", "staff_id", "created_at"),
    )

    kind: Mapped[SecurityEventKind] = mapped_column(String(32))
    person_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None)
    phone_index: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    client_ip: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[str] = mapped_column(String(200), default="")
    # Who acted is ``person_id``; for whom, when it was for an enterprise, is this.
    enterprise_id: Mapped[UUID | None] = mapped_column(ForeignKey("enterprise.id"), default=None)


class Provider(StrEnum):
    """Outside sign-in providers."""

    WECHAT = "wechat"
    ALIPAY = "alipay"


class ExternalAccount(UUIDv7AuditBase):
    """A WeChat or Alipay account bound to a person after the person proved who they are.

    Accounts of different providers are bound one by one, each after its own proof:
    never merged through a shared phone number or unionid behind the person's back.
    """

    __tablename__ = "external_account"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    provider: Mapped[Provider] = mapped_column(String(16))
    # WeChat openid, or Alipay user_id / open_id: pseudonymous ids, not personal numbers.
    subject: Mapped[str] = mapped_column(String(128))
    unionid: Mapped[str | None] = mapped_column(String(128), default=None)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), index=True)
