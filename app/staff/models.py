"""Staff accounts (工作人员): clerks, reviewers, field workers, supervisors, administrators.

Staff sign in with a password and a TOTP code (等保2.0 level 3: two factors for
administrators and staff). The TOTP secret is stored encrypted (``TOTP_SECRET_AAD``), the
password only as an Argon2id hash (``app.staff.passwords``; older scrypt hashes are
replaced at the next sign-in).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UUIDv7AuditBase

# Bound into the TOTP secret's ciphertext: a value copied into another column fails to decrypt.
TOTP_SECRET_AAD = "staff.totp_secret"  # noqa: S105 (a column name, not a secret)


class StaffRole(StrEnum):
    """What a member of staff does; each role is also an access level (``staff:<role>``)."""

    WINDOW_CLERK = "window_clerk"  # 窗口工作人员
    REVIEWER = "reviewer"  # 部门审核人员, always of one department
    FIELD_WORKER = "field_worker"  # 上门服务人员
    SUPERVISOR = "supervisor"  # 督办人员
    ADMINISTRATOR = "administrator"  # 系统管理员


class Staff(UUIDv7AuditBase):
    """A staff account. ``username`` is stored lower-cased."""

    __tablename__ = "staff"
    __table_args__ = (
        # A reviewer reviews for one department; the service says so in words first.
        CheckConstraint(
            "role != 'reviewer' OR department_id IS NOT NULL", name="reviewer_has_department"
        ),
    )

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[StaffRole] = mapped_column(String(32))
    department_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("department.id"), default=None, index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_ciphertext: Mapped[str] = mapped_column(String(200))
    # None until the first sign-in proves the authenticator app holds the secret.
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    # The time step of the last accepted code: a code is never accepted twice.
    last_totp_step: Mapped[int | None] = mapped_column(default=None)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Locks since the last successful sign-in: each further lock lasts twice as long.
    lock_count: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Raising the epoch ends every session of the member of staff.
    session_epoch: Mapped[int] = mapped_column(default=0)

    @property
    def is_active(self) -> bool:
        """False once the account has been disabled."""
        return self.disabled_at is None
