"""The wallet's rules: issuing, revoking, expiring and listing licenses; making QR cards.

``issue`` is what a finished matter calls (issue 5's applications, later) with its result;
today the demo data and ``python -m app wallet issue-demo`` call it. It is idempotent on
``source_ref``: issuing again for the same matter result returns the license made the first
time. Holders see only their own licenses; another holder's license is ``NotFound``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from joserfc import jws
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils import uuid7

from app import errors
from app.catalog.loader import LicenseType
from app.i18n import N_
from app.identity.models import Department
from app.protection import DataProtector
from app.wallet import presentation
from app.wallet.fields import NUMBER_FIELD, protect_fields, shown_value, signed_value
from app.wallet.keys import ALGORITHM, KeyService
from app.wallet.models import CardVerification, License, LicenseStatus
from app.wallet.reminders import notify_revoked

CHINA = ZoneInfo("Asia/Shanghai")
UNKNOWN_TYPE = N_("There is no such kind of license.")
NOT_DISCLOSABLE = N_("Choose only fields this license has.")
ALREADY_REVOKED = N_("This license has already been revoked.")
REASON_REQUIRED = N_("Give the reason for revoking (at most 500 characters).")
VALIDITY_INVALID = N_("A license must be valid until a later moment than it starts.")


class HolderKind(StrEnum):
    """Who holds a license: a person (个人) or an enterprise (企业)."""

    PERSON = "person"
    ENTERPRISE = "enterprise"


class Holder(msgspec.Struct, frozen=True):
    """A license holder: a person or an enterprise, by id."""

    kind: HolderKind
    id: UUID

    @classmethod
    def person(cls, person_id: UUID) -> Holder:
        """A person as holder."""
        return cls(HolderKind.PERSON, person_id)

    @classmethod
    def enterprise(cls, enterprise_id: UUID) -> Holder:
        """An enterprise as holder."""
        return cls(HolderKind.ENTERPRISE, enterprise_id)


class Card(msgspec.Struct, kw_only=True, frozen=True):
    """A freshly signed QR card: the token and when it stops verifying."""

    token: str
    expires_at: int  # epoch seconds
    disclosed: list[str]


class WalletService:
    """Licenses of persons and enterprises, and their cards."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        protector: DataProtector,
        license_types: Mapping[str, LicenseType],
    ) -> None:
        self._db = db
        self._protector = protector
        self._types = license_types
        self.keys = KeyService(db, protector=protector)

    @property
    def license_types(self) -> Mapping[str, LicenseType]:
        """The catalog's license types this wallet issues and shows."""
        return self._types

    async def issue(
        self,
        holder: Holder,
        license_type: str,
        fields: dict[str, str],
        *,
        number: str | None = None,
        valid_until: datetime | None = None,
        holder_name: str | None = None,
        source_ref: str,
    ) -> License:
        """Issue (sign and store) a license; the same ``source_ref`` returns the first one."""
        existing = await self._by_source(source_ref)
        if existing is not None:
            return existing
        kind = self._types.get(license_type)
        if kind is None:
            raise errors.RuleViolation(fields={"license_type": UNKNOWN_TYPE})
        now = datetime.now(UTC).replace(microsecond=0)
        until = valid_until or _default_until(kind, now)
        if until is not None and until <= now:
            raise errors.RuleViolation(fields={"valid_until": VALIDITY_INVALID})
        stored = protect_fields(fields, self._protector)
        key = await self.keys.current(kind.department)
        license_ = License(
            license_type=kind.code,
            person_id=holder.id if holder.kind is HolderKind.PERSON else None,
            enterprise_id=holder.id if holder.kind is HolderKind.ENTERPRISE else None,
            department_code=kind.department,
            number=number or _new_number(now),
            holder_name=(holder_name or str(stored.get("name", "")))[:200],
            fields=stored,
            issued_at=now,
            valid_from=now,
            valid_until=until,
            source_ref=source_ref,
            signing_kid=key.kid,
            jws="",
        )
        license_.id = _uuid7()
        license_.jws = jws.serialize_compact(
            {"alg": ALGORITHM, "kid": key.kid, "typ": "license+jws"},
            json.dumps(signed_content(license_), ensure_ascii=False, sort_keys=True),
            key.private,
        )
        return await self._insert(license_)

    async def _insert(self, license_: License) -> License:
        try:
            async with self._db.begin_nested():
                self._db.add(license_)
        except IntegrityError:
            # The same matter result was issued concurrently: return that license.
            existing = await self._by_source(license_.source_ref)
            if existing is None:
                raise
            return existing
        return license_

    async def revoke(self, license_: License, reason: str) -> License:
        """Revoke a license (注销/吊销): it stops verifying at once; the reason is kept.

        The holder is told by a notice written in the same transaction.
        """
        if not reason.strip() or len(reason) > 500:
            raise errors.RuleViolation(fields={"reason": REASON_REQUIRED})
        if license_.status == LicenseStatus.REVOKED:
            raise errors.Conflict(ALREADY_REVOKED)
        license_.status = LicenseStatus.REVOKED
        license_.revoked_at = datetime.now(UTC)
        license_.revocation_reason = reason.strip()
        # Same transaction: the holder hears of it exactly when the revocation commits.
        await notify_revoked(self._db, license_)
        await self._db.flush()
        return license_

    async def expire_due(self, *, now: datetime | None = None) -> int:
        """Mark issued licenses past their validity as expired; returns how many (idempotent)."""
        moment = now or datetime.now(UTC)
        result = await self._db.execute(
            update(License)
            .where(
                License.status == LicenseStatus.ISSUED,
                License.valid_until.is_not(None),
                License.valid_until <= moment,
            )
            .values(status=LicenseStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def list_for(self, holder: Holder) -> list[License]:
        """The holder's licenses, newest first (revoked and expired ones included)."""
        rows = await self._db.scalars(
            select(License)
            .where(_held_by(holder))
            .order_by(License.issued_at.desc(), License.id.desc())
        )
        return list(rows)

    async def get_for(self, holder: Holder, license_id: UUID) -> License:
        """The holder's license; ``NotFound`` for a missing one or anyone else's."""
        found = await self._db.scalar(
            select(License).where(License.id == license_id, _held_by(holder))
        )
        if found is None:
            raise errors.NotFound
        return found

    async def by_id(self, license_id: UUID) -> License | None:
        """Any license by id (for the verifier and staff; never for holders' pages)."""
        return await self._db.get(License, license_id)

    async def present(
        self, holder: Holder, license_id: UUID, disclose: list[str], *, lifetime_seconds: int
    ) -> Card:
        """Sign a short-lived card showing only the ``disclose`` fields (masked if sensitive)."""
        license_ = await self.get_for(holder, license_id)
        chosen = list(dict.fromkeys(disclose))
        if any(key != NUMBER_FIELD and key not in license_.fields for key in chosen):
            raise errors.RuleViolation(fields={"fields": NOT_DISCLOSABLE})
        shown = {key: disclosed_value(license_, key) for key in chosen}
        key = await self.keys.current(license_.department_code)
        issued = int(datetime.now(UTC).timestamp())
        token = presentation.encode(
            presentation.Presentation(
                license_id=license_.id,
                license_type=license_.license_type,
                disclosed=shown,
                valid_until=china_date(license_.valid_until),
                issued_at=issued,
                expires_at=issued + lifetime_seconds,
            ),
            kid=key.kid,
            private_key=key.private.private_key,  # type: ignore[arg-type]
        )
        return Card(token=token, expires_at=issued + lifetime_seconds, disclosed=chosen)

    async def verifications_for(
        self, holder: Holder, license_id: UUID, *, limit: int = 50
    ) -> list[CardVerification]:
        """When the holder's cards of this license were checked, newest first."""
        license_ = await self.get_for(holder, license_id)
        rows = await self._db.scalars(
            select(CardVerification)
            .where(CardVerification.license_id == license_.id)
            .order_by(CardVerification.verified_at.desc(), CardVerification.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def departments(self) -> dict[str, Department]:
        """Every department by code (to name issuers)."""
        return {row.code: row for row in await self._db.scalars(select(Department))}

    async def _by_source(self, source_ref: str) -> License | None:
        return await self._db.scalar(select(License).where(License.source_ref == source_ref))


def _held_by(holder: Holder) -> ColumnElement[bool]:
    if holder.kind is HolderKind.PERSON:
        return License.person_id == holder.id
    return License.enterprise_id == holder.id


def disclosed_value(license_: License, key: str) -> str:
    """What a card shows for ``key``: the number, a clear value, or a sensitive value's mask."""
    if key == NUMBER_FIELD:
        return license_.number
    return shown_value(license_.fields[key])


def signed_content(license_: License) -> dict[str, object]:
    """The license content its JWS covers (sensitive values as mask and blind index)."""
    holder = (
        f"person:{license_.person_id}"
        if license_.person_id
        else f"enterprise:{license_.enterprise_id}"
    )
    return {
        "jti": str(license_.id),
        "iss": license_.department_code,
        "sub": holder,
        "type": license_.license_type,
        "number": license_.number,
        "name": license_.holder_name,
        "fields": {key: signed_value(value) for key, value in license_.fields.items()},
        "nbf": int(license_.valid_from.timestamp()),
        "exp": int(license_.valid_until.timestamp()) if license_.valid_until else None,
    }


def china_date(moment: datetime | None) -> date | None:
    """The calendar date of ``moment`` in China Standard Time."""
    return moment.astimezone(CHINA).date() if moment else None


def _default_until(kind: LicenseType, now: datetime) -> datetime | None:
    if kind.valid_years is None:
        return None
    try:
        return now.replace(year=now.year + kind.valid_years)
    except ValueError:  # 29 February
        return now.replace(year=now.year + kind.valid_years, day=28)


def _new_number(now: datetime) -> str:
    # A letter first, so that no run of digits in a number can be taken for an ID or phone.
    return f"D{now.astimezone(CHINA):%Y}{secrets.randbelow(10**9):09d}"


def _uuid7() -> UUID:
    # The id is signed into the JWS, so it is made before the row is flushed.
    return UUID(str(uuid7()))
