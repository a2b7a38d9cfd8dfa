"""Staff accounts: creating, listing and disabling them (the rules; routes and CLI call these)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import Department, SecurityEvent, SecurityEventKind
from app.identity.sessions import SessionStore, SubjectKind
from app.protection import Keyring
from app.staff.models import TOTP_SECRET_AAD, Staff, StaffRole
from app.staff.passwords import hash_password_async, validate_new_password
from app.staff.totp import new_secret
from app.text_input import INVISIBLE, has_invisible

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
# No look-alikes (0/o, 1/l/i): the initial password is read out or copied by hand.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)

ROLE_LABELS = {
    StaffRole.WINDOW_CLERK: N_("Window clerk"),
    StaffRole.REVIEWER: N_("Department reviewer"),
    StaffRole.FIELD_WORKER: N_("Field worker"),
    StaffRole.SUPERVISOR: N_("Supervisor"),
    StaffRole.ADMINISTRATOR: N_("Administrator"),
}


class StaffCreate(msgspec.Struct, kw_only=True):
    """A new staff account. Without ``password`` an initial one is generated."""

    username: str
    display_name: str
    role: str
    department_code: str = ""
    password: str | None = None


class StaffCreated(msgspec.Struct, kw_only=True):
    """The new account, and the generated initial password (None when one was given)."""

    staff: Staff
    initial_password: str | None


def normalize_username(raw: str) -> str:
    """Usernames are compared lower-cased, without surrounding blanks."""
    return raw.strip().lower()


def generate_initial_password() -> str:
    """Four groups of five characters, ~99 bits: ``abcde-fghjk-mnpqr-stuvw``."""
    groups = ("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)


class StaffService:
    """Creates, lists and disables staff accounts; each change is in the security log."""

    def __init__(
        self, db: AsyncSession, *, keyring: Keyring, sessions: SessionStore | None = None
    ) -> None:
        self._db = db
        self._keyring = keyring
        # Without a store (the CLI with no Redis reachable) sessions still end at their next
        # request, through the epoch.
        self._sessions = sessions

    async def list_all(self) -> Sequence[Staff]:
        """Every account, by username."""
        return (await self._db.scalars(select(Staff).order_by(Staff.username))).all()

    async def departments_by_id(self) -> dict[UUID, Department]:
        """Departments keyed by id (to name a reviewer's department on listings)."""
        return {d.id: d for d in await self._db.scalars(select(Department))}

    async def create(self, data: StaffCreate, *, actor: str) -> StaffCreated:
        """Create an account; ``RuleViolation`` names each field that is wrong."""
        username = normalize_username(data.username)
        role, department = await self._check(data, username)
        generated = None if data.password else generate_initial_password()
        password = data.password or generated or ""
        staff = Staff(
            username=username,
            display_name=data.display_name.strip(),
            role=role,
            department_id=department.id if department else None,
            password_hash=await hash_password_async(password),
            totp_secret_ciphertext=self._keyring.encrypt(
                new_secret(), associated_data=TOTP_SECRET_AAD
            ),
        )
        self._db.add(staff)
        await self._db.flush()
        self._db.add(
            SecurityEvent(
                kind=SecurityEventKind.STAFF_CREATED, staff_id=staff.id, detail=f"by {actor}"[:200]
            )
        )
        return StaffCreated(staff=staff, initial_password=generated)

    async def disable(self, username: str, *, actor: str, by: Staff | None = None) -> Staff:
        """Disable an account and end all its sessions at once.

        ``by`` is the administrator doing it (None from the command line), who may not
        disable their own account: the last administrator would lock everyone out.
        """
        staff = await self._db.scalar(
            select(Staff).where(Staff.username == normalize_username(username))
        )
        if staff is None:
            raise NotFound(N_("There is no staff account with this username."))
        if by is not None and by.id == staff.id:
            raise RuleViolation(N_("You cannot disable your own account."))
        if staff.disabled_at is None:
            staff.disabled_at = datetime.now(UTC)
        # The epoch ends sessions in any Redis; end_all removes them from this one now.
        staff.session_epoch += 1
        self._db.add(
            SecurityEvent(
                kind=SecurityEventKind.STAFF_DISABLED, staff_id=staff.id, detail=f"by {actor}"[:200]
            )
        )
        await self._db.flush()
        if self._sessions is not None:
            await self._sessions.end_all(staff.id, kind=SubjectKind.STAFF)
        return staff

    async def _check(self, data: StaffCreate, username: str) -> tuple[StaffRole, Department | None]:
        problems: dict[str, str] = {}
        if not _USERNAME.fullmatch(username):
            problems["username"] = N_(
                "Use 3 to 64 letters, digits, dots, dashes or underscores, starting with a"
                " letter or digit."
            )
        elif await self._db.scalar(select(Staff.id).where(Staff.username == username)):
            problems["username"] = N_("This username is taken.")
        if not data.display_name.strip() or len(data.display_name.strip()) > 100:
            problems["display_name"] = N_(
                "Enter the name shown to colleagues (up to 100 characters)."
            )
        elif has_invisible(data.display_name):  # typed by an administrator: the same rule
            problems["display_name"] = INVISIBLE
        role = StaffRole(data.role) if data.role in set(StaffRole) else None
        if role is None:
            problems["role"] = N_("Choose a role.")
        department = None
        if data.department_code.strip():
            department = await self._db.scalar(
                select(Department).where(Department.code == data.department_code.strip())
            )
            if department is None:
                problems["department_code"] = N_("There is no department with this code.")
        elif role is StaffRole.REVIEWER:
            problems["department_code"] = N_("A reviewer belongs to a department: choose one.")
        if data.password:
            try:
                validate_new_password(data.password)
            except RuleViolation as exc:
                problems.update(exc.fields)
        if problems or role is None:
            raise RuleViolation(fields=problems)
        return role, department
