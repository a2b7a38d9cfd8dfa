"""The wallet's notices to holders: 证照到期提醒 ahead of expiry, and word of a revocation.

A license held by a person tells that person; one held by an enterprise tells its managers
(the legal representative and the administrators), each in their own inbox, marked with the
enterprise. Each notice has a subject key (``license:<id>:expiring:30``,
``license:<id>:revoked``) that is unique per recipient, so the daily job and a repeated
revocation never tell anyone twice. Notices are written in the caller's transaction and
delivered through the outbox like an application's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.enterprises.models import EnterpriseMember, MemberRole
from app.notices.models import Notice
from app.notices.outbox import write_for_subject
from app.notices.texts import NoticeKind
from app.wallet.models import License, LicenseStatus

_MANAGERS = (MemberRole.LEGAL_REPRESENTATIVE, MemberRole.ADMINISTRATOR)
# Days are counted on China's calendar, as the license's page shows its dates.
_CHINA = ZoneInfo("Asia/Shanghai")


def reminder_key(license_id: UUID, days: int) -> str:
    """The subject key of the reminder sent ``days`` before the license expires."""
    return f"license:{license_id}:expiring:{days}"


def revoked_key(license_id: UUID) -> str:
    """The subject key of the notice that the license was revoked."""
    return f"license:{license_id}:revoked"


async def run_reminders(
    settings: Settings, sessionmaker: async_sessionmaker[Any], now: datetime | None = None
) -> int:
    """The daily job's work, in one transaction: how many notices it wrote."""
    async with sessionmaker() as db, db.begin():
        return await remind_expiring(
            db, days=settings.license_reminder_offsets, now=now or datetime.now(UTC)
        )


async def remind_expiring(db: AsyncSession, *, days: Sequence[int], now: datetime) -> int:
    """Remind holders of issued licenses that expire within one of ``days`` (idempotent).

    A license gets the reminder of the nearest threshold it has crossed, once: at 30 and at
    7 days by default. One issued with 5 days left gets only the 7-day reminder.
    """
    offsets = sorted({d for d in days if d > 0})
    if not offsets:
        return 0
    due = await db.scalars(
        select(License).where(
            License.status == LicenseStatus.ISSUED,
            License.valid_until.is_not(None),
            License.valid_until > now,
            License.valid_until <= now + timedelta(days=offsets[-1]),
        )
    )
    made = 0
    for license_ in due:
        ends = license_.valid_until or now  # never None: the query says so
        threshold = next(d for d in offsets if ends - now <= timedelta(days=d))
        until, today = ends.astimezone(_CHINA).date(), now.astimezone(_CHINA).date()
        params = {
            "number": license_.number,
            "until": until.isoformat(),
            "days": str((until - today).days),
        }
        made += await _tell_holder(
            db, license_, NoticeKind.LICENSE_EXPIRING, reminder_key(license_.id, threshold), params
        )
    return made


async def notify_revoked(db: AsyncSession, license_: License) -> int:
    """Tell the holder that the license was revoked (once; the reason is on its page)."""
    params = {"number": license_.number}
    return await _tell_holder(
        db, license_, NoticeKind.LICENSE_REVOKED, revoked_key(license_.id), params
    )


async def _tell_holder(
    db: AsyncSession, license_: License, kind: NoticeKind, key: str, params: dict[str, str]
) -> int:
    told = set(await db.scalars(select(Notice.person_id).where(Notice.subject_key == key)))
    made = 0
    for person_id in await _recipients(db, license_):
        if person_id in told:
            continue
        write_for_subject(
            db, kind, subject_key=key, person_id=person_id, params=params,
            enterprise_id=license_.enterprise_id, license_id=license_.id,
        )  # fmt: skip
        made += 1
    return made


async def _recipients(db: AsyncSession, license_: License) -> list[UUID]:
    if license_.person_id is not None:
        return [license_.person_id]
    rows = await db.scalars(
        select(EnterpriseMember.person_id)
        .where(
            EnterpriseMember.enterprise_id == license_.enterprise_id,
            EnterpriseMember.removed_at.is_(None),
            EnterpriseMember.role.in_(_MANAGERS),
        )
        .order_by(EnterpriseMember.added_at)
    )
    return list(dict.fromkeys(rows))
