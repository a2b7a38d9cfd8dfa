"""Staff sign-in: a password, then a TOTP code (two factors, 等保2.0 level 3).

Step one checks the password and, when it is right, hands out a short-lived pending token
(Redis holds its hash); step two takes that token and a TOTP code. On the first sign-in
the second step enrols the authenticator app: the secret is shown and one valid code
confirms it.

Every failure — unknown username, wrong password, wrong or replayed code, locked or
disabled account, expired step — gives the same answer (``SIGN_IN_FAILED``) and takes
about as long (an unknown username is checked against a dummy hash), so the form tells
nobody which accounts exist. Each attempt is written to the security log, with the
reason, which only the log shows.

A password still held as a legacy scrypt hash (or an Argon2id one with older parameters) is
hashed again with today's Argon2id at step one, the only time the clear password is at hand;
the new hash waits, encrypted, beside the pending token, and is stored by the same UPDATE
that accepts the code, so only a complete sign-in changes the stored hash.

Lockout: 5 failures within 15 minutes lock the account for 15 minutes; each further lock
before a successful sign-in lasts twice as long, up to 24 hours.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NoReturn
from uuid import UUID

import msgspec
from redis.asyncio import Redis
from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import RuleViolation
from app.i18n import N_
from app.identity.models import SecurityEventKind
from app.identity.sessions import SessionStore, SubjectKind
from app.identity.sign_in import SecurityLog
from app.protection import Keyring, ProtectionError
from app.staff.models import TOTP_SECRET_AAD, Staff
from app.staff.passwords import (
    DUMMY_HASH,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from app.staff.service import normalize_username
from app.staff.totp import matching_step, provisioning_uri

SIGN_IN_FAILED = N_("Sign-in failed. Check your details, or try again later.")
FAILURES_BEFORE_LOCK = 5
FAILURE_WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(minutes=15)
LONGEST_LOCK = timedelta(hours=24)
PENDING_SECONDS = 300
_PENDING = "onething:staff-pending:"
_REHASH_AAD = "staff.password_hash.rehash:"  # then the digest of the hash it replaces


class _Pending(msgspec.Struct, kw_only=True):
    """What Redis holds for a pending token: whose it is, and a stronger hash to store."""

    staff: UUID
    rehash: str | None = None  # encrypted; bound to the hash it replaces


class Enrolment(msgspec.Struct, kw_only=True):
    """What the first sign-in shows to set up the authenticator app."""

    secret: str
    uri: str


class PasswordAccepted(msgspec.Struct, kw_only=True):
    """Step one passed: the token for step two, and the enrolment on a first sign-in."""

    pending_token: str
    enrolment: Enrolment | None = None


def lock_duration(earlier_locks: int) -> timedelta:
    """How long the next lock lasts, after ``earlier_locks`` since the last success."""
    return min(FIRST_LOCK * (1 << min(earlier_locks, 16)), LONGEST_LOCK)


def _failed() -> RuleViolation:
    return RuleViolation(SIGN_IN_FAILED)


class StaffSignInService:
    """The two steps of staff sign-in. Commits its own writes: a refusal must still count."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
        *,
        sessions: SessionStore,
        keyring: Keyring,
        security_log: SecurityLog,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._redis = redis
        self._sessions = sessions
        self._keyring = keyring
        self._log = security_log
        self._clock = clock

    async def check_password(
        self, username: str, password: str, *, client_ip: str
    ) -> PasswordAccepted:
        """Step one; ``RuleViolation(SIGN_IN_FAILED)`` whatever went wrong."""
        async with self._sessionmaker() as db:
            staff = await db.scalar(
                select(Staff).where(Staff.username == normalize_username(username))
            )
        # Always one hash check, so the time taken does not tell whether the account exists.
        right = await verify_password_async(password, staff.password_hash if staff else DUMMY_HASH)
        if staff is None:
            await self._refuse(None, "unknown username", client_ip)
        elif not staff.is_active:
            await self._refuse(staff.id, "disabled", client_ip)
        elif self._is_locked(staff):
            await self._refuse(staff.id, "locked", client_ip)
        elif not right:
            await self._count_failure(staff.id, "wrong password", client_ip)
        pending = _Pending(staff=staff.id, rehash=await self._rehash(staff, password))
        token = secrets.token_urlsafe(32)
        await self._redis.set(
            _PENDING + _digest(token), msgspec.json.encode(pending), ex=PENDING_SECONDS
        )
        if staff.totp_confirmed_at is not None:
            return PasswordAccepted(pending_token=token)
        secret = self._keyring.decrypt(
            staff.totp_secret_ciphertext, associated_data=TOTP_SECRET_AAD
        )
        return PasswordAccepted(
            pending_token=token,
            enrolment=Enrolment(secret=secret, uri=provisioning_uri(secret, staff.username)),
        )

    async def check_code(self, pending_token: str, code: str, *, client_ip: str) -> Staff:
        """Step two: the member of staff, signed in; ``RuleViolation(SIGN_IN_FAILED)`` otherwise."""
        # Single use: a second try needs the password again.
        pending = _read_pending(await self._redis.getdel(_PENDING + _digest(pending_token)))
        if pending is None:
            await self._refuse(None, "sign-in step expired or unknown", client_ip)
        staff_id = pending.staff
        async with self._sessionmaker() as db:
            staff = await db.get(Staff, staff_id)
        if staff is None or not staff.is_active:
            await self._refuse(staff.id if staff else None, "disabled", client_ip)
        elif self._is_locked(staff):
            await self._refuse(staff_id, "locked", client_ip)
        secret = self._keyring.decrypt(
            staff.totp_secret_ciphertext, associated_data=TOTP_SECRET_AAD
        )
        step = matching_step(secret, code, now=self._clock().timestamp())
        if step is None:
            await self._count_failure(staff_id, "wrong code", client_ip)
        elif not await self._accept(staff, step, self._rehashed(staff, pending.rehash)):
            await self._count_failure(staff_id, "replayed code", client_ip)
        enrolled = staff.totp_confirmed_at is None
        await self._log.record(
            SecurityEventKind.STAFF_SIGN_IN,
            staff_id=staff_id,
            client_ip=client_ip,
            detail="authenticator enrolled" if enrolled else "",
        )
        return staff

    async def start_session(self, staff: Staff, *, replacing: str | None, device: str) -> str:
        """A fresh session for ``staff`` (ending the browser's old one); returns its token."""
        if replacing:
            await self._sessions.end(replacing)  # never carry a resident's or an old session over
        return await self._sessions.create(
            staff.id, epoch=staff.session_epoch, kind=SubjectKind.STAFF, device=device
        )

    async def sign_out(self, staff: Staff, token: str, *, client_ip: str) -> None:
        """End this one session, and say so in the log."""
        await self._sessions.end(token)
        await self._log.record(
            SecurityEventKind.STAFF_SIGN_OUT, staff_id=staff.id, client_ip=client_ip
        )

    async def _rehash(self, staff: Staff, password: str) -> str | None:
        """Today's hash of the right ``password``, encrypted, when the stored one is older."""
        if not needs_rehash(staff.password_hash):
            return None
        return self._keyring.encrypt(
            await hash_password_async(password),
            associated_data=_REHASH_AAD + _digest(staff.password_hash),
        )

    def _rehashed(self, staff: Staff, sealed: str | None) -> str | None:
        """The new hash from step one, unless the stored hash changed since (then None)."""
        if sealed is None:
            return None
        try:
            return self._keyring.decrypt(
                sealed, associated_data=_REHASH_AAD + _digest(staff.password_hash)
            )
        except ProtectionError:  # the password was changed meanwhile: keep the new one
            return None

    async def _accept(self, staff: Staff, step: int, rehashed: str | None) -> bool:
        """Record the accepted step and clear failures, unless the step was already used.

        One conditional UPDATE, so two requests racing with the same code cannot both win;
        it also stores ``rehashed``, if the stored hash is still the one it replaces.
        """
        now = self._clock()
        upgrade: dict[str, object] = {}
        if rehashed is not None:
            upgrade["password_hash"] = case(
                (Staff.password_hash == staff.password_hash, rehashed),
                else_=Staff.password_hash,
            )
        async with self._sessionmaker() as db, db.begin():
            result = await db.execute(
                update(Staff)
                .where(
                    Staff.id == staff.id,
                    or_(Staff.last_totp_step.is_(None), Staff.last_totp_step < step),
                )
                .values(
                    last_totp_step=step,
                    totp_confirmed_at=staff.totp_confirmed_at or now,
                    failed_attempts=0,
                    first_failure_at=None,
                    lock_count=0,
                    locked_until=None,
                    **upgrade,
                )
                .execution_options(synchronize_session=False)
            )
        return bool(getattr(result, "rowcount", 0))

    async def _count_failure(self, staff_id: UUID, reason: str, client_ip: str) -> NoReturn:
        """Count a failure towards the lock, log it (and the lock), then refuse."""
        now = self._clock()
        locked_for: timedelta | None = None
        async with self._sessionmaker() as db, db.begin():
            staff = await db.scalar(select(Staff).where(Staff.id == staff_id).with_for_update())
            if staff is None:  # deleted meanwhile
                await self._refuse(None, reason, client_ip)
            if staff.first_failure_at is None or now - staff.first_failure_at > FAILURE_WINDOW:
                staff.failed_attempts, staff.first_failure_at = 1, now
            else:
                staff.failed_attempts += 1
            if staff.failed_attempts >= FAILURES_BEFORE_LOCK:
                locked_for = lock_duration(staff.lock_count)
                staff.locked_until = now + locked_for
                staff.lock_count += 1
                staff.failed_attempts, staff.first_failure_at = 0, None
        if locked_for is not None:
            await self._log.record(
                SecurityEventKind.STAFF_LOCKED,
                staff_id=staff_id,
                client_ip=client_ip,
                detail=f"{int(locked_for.total_seconds() // 60)} minutes",
            )
        await self._refuse(staff_id, reason, client_ip)

    async def _refuse(self, staff_id: UUID | None, reason: str, client_ip: str) -> NoReturn:
        await self._log.record(
            SecurityEventKind.STAFF_SIGN_IN_FAILED,
            staff_id=staff_id,
            client_ip=client_ip,
            detail=reason,
        )
        raise _failed()

    def _is_locked(self, staff: Staff) -> bool:
        return staff.locked_until is not None and staff.locked_until > self._clock()


def _read_pending(raw: bytes | None) -> _Pending | None:
    if raw is None:
        return None
    try:
        return msgspec.json.decode(raw, type=_Pending)
    except msgspec.DecodeError:  # also a bare id, as releases before the rehash stored it
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
