"""Holiday years from the State Council's notices, and the deadlines counted before them.

An administrator loads a year (``python -m app holidays load``): the notice is read and checked
(``app.applications.holiday_notice``), stored (``holiday_year``), written to the audit log,
and every open deadline that was counted across that year while it was provisional is counted
again at once (``settle_deadlines``), with an event in its application's history. Running
processes take the new year when they next refresh their calendar (``refresh_calendar``,
every ``ONETHING_HOLIDAY_REFRESH_SECONDS``); the worker's sweep refreshes first and settles
what a process with an older calendar counted meanwhile, so no deadline stays provisional
once its years are known.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.calendar import WorkingCalendar, YearSchedule
from app.applications.case_models import (
    OPEN_STATES,
    Application,
    Complaint,
    ComplaintState,
    SubCase,
)
from app.applications.history import record
from app.applications.holiday_models import HolidayYear
from app.applications.holiday_notice import parse_notice
from app.applications.states import Action, Actor, SubCaseState
from app.audit import service as audit
from app.audit.models import AuditKind
from app.errors import Conflict
from app.i18n import N_

ALREADY_LOADED = N_("This year's holidays are loaded already: load it again to replace them.")


class LoadedYear(msgspec.Struct, frozen=True, kw_only=True):
    """What loading a year did."""

    year: int
    days_off: int
    workdays: int
    replaced: bool
    settled: int  # open deadlines counted again


class ProvisionalYear(msgspec.Struct, frozen=True, kw_only=True):
    """A year whose holidays are not loaded, and how many open deadlines fall in it."""

    year: int
    deadlines: int


async def loaded_years(db: AsyncSession) -> dict[int, YearSchedule]:
    """Every year loaded from a notice, as the calendar takes them."""
    rows = await db.scalars(select(HolidayYear))
    return {
        row.year: YearSchedule(
            holidays=frozenset(date.fromisoformat(d) for d in row.holidays),
            workdays=frozenset(date.fromisoformat(d) for d in row.workdays),
            source=row.source,
        )
        for row in rows
    }


async def refresh_calendar(db: AsyncSession, calendar: WorkingCalendar) -> None:
    """Give ``calendar`` the years loaded so far (another process may have loaded one)."""
    calendar.use_loaded(await loaded_years(db))


async def load_year(
    db: AsyncSession, calendar: WorkingCalendar, *, year: int, notice: str, source: str,
    actor: str, today: date, replace: bool = False,
) -> LoadedYear:  # fmt: skip
    """Read ``notice`` as ``year``'s schedule, store and audit it, settle the deadlines.

    ``NoticeError`` when the notice does not hold together; ``Conflict`` when the year is
    loaded already and ``replace`` is not given. All in the caller's transaction.
    """
    parsed = parse_notice(notice, year)
    schedule = parsed.schedule(source)
    existing = await db.get(HolidayYear, year)
    if existing is not None and not replace:
        raise Conflict(ALREADY_LOADED, code="holidays_already_loaded")
    row = existing or HolidayYear(year=year)
    row.holidays = sorted(d.isoformat() for d in schedule.holidays)
    row.workdays = sorted(d.isoformat() for d in schedule.workdays)
    row.source = source[:500]
    row.digest = hashlib.sha256(notice.encode()).hexdigest()
    row.loaded_by = actor[:80]
    row.loaded_at = datetime.now(UTC)
    db.add(row)
    await db.flush()
    await audit.record(
        db, AuditKind.HOLIDAYS_LOADED, actor=actor, subject=f"holiday-year:{year}",
        detail={"year": year, "days_off": len(schedule.holidays),
                "workdays": len(schedule.workdays), "source": row.source,
                "digest": row.digest, "replaced": existing is not None},
    )  # fmt: skip
    await refresh_calendar(db, calendar)
    settled = await settle_deadlines(db, calendar, today)
    return LoadedYear(
        year=year, days_off=len(schedule.holidays), workdays=len(schedule.workdays),
        replaced=existing is not None, settled=settled,
    )  # fmt: skip


async def settle_deadlines(db: AsyncSession, calendar: WorkingCalendar, today: date) -> int:
    """Count again every open deadline counted while a year it crosses was provisional and
    that year is known now; returns how many (idempotent: a settled one is left alone)."""
    settled = 0
    cases = await db.scalars(
        select(SubCase).where(
            SubCase.due_provisional_from.is_not(None), SubCase.state == SubCaseState.IN_REVIEW
        )
    )
    for case in cases:
        since = case.due_provisional_from
        if case.due_on is None or since is None or calendar.is_provisional(since):
            continue  # its first provisional year is still not known: nothing to count yet
        before = case.due_on
        case.due_on = calendar.settle(before, today, since)
        case.due_provisional_from = calendar.provisional_from(today, case.due_on)
        application = await db.get(Application, case.application_id)
        if application is not None and case.due_on != before:
            note = f"{before.isoformat()} → {case.due_on.isoformat()}"
            record(db, application, Action.DEADLINE_RECOUNTED, Actor.system(), sub_case=case,
                   note=note)  # fmt: skip
        settled += 1
    settled += await _settle_commitments(db, calendar, today)
    settled += await _settle_complaints(db, calendar, today)
    await db.flush()
    return settled


async def _settle_commitments(db: AsyncSession, calendar: WorkingCalendar, today: date) -> int:
    rows = await db.scalars(
        select(Application).where(
            Application.commitment_due_provisional_from.is_not(None),
            Application.commitment_fulfilled_at.is_(None),
            Application.state.in_(OPEN_STATES),
        )
    )
    settled = 0
    for application in rows:
        since = application.commitment_due_provisional_from
        due = application.commitment_due_on
        if due is None or since is None or calendar.is_provisional(since):
            continue
        new_due = calendar.settle(due, today, since)
        application.commitment_due_on = new_due
        application.commitment_due_provisional_from = calendar.provisional_from(today, new_due)
        settled += 1
    return settled


async def _settle_complaints(db: AsyncSession, calendar: WorkingCalendar, today: date) -> int:
    rows = await db.scalars(
        select(Complaint).where(
            Complaint.due_provisional_from.is_not(None), Complaint.state == ComplaintState.OPEN
        )
    )
    settled = 0
    for complaint in rows:
        since = complaint.due_provisional_from
        if since is None or calendar.is_provisional(since):
            continue
        complaint.due_on = calendar.settle(complaint.due_on, today, since)
        complaint.due_provisional_from = calendar.provisional_from(today, complaint.due_on)
        settled += 1
    return settled


async def provisional_years(
    db: AsyncSession, calendar: WorkingCalendar, today: date
) -> Sequence[ProvisionalYear]:
    """The years supervisors must hear about: not loaded, and either open deadlines fall in
    them or it is the coming year and its notice is due (published from November on)."""
    dues = list(
        (
            await db.scalars(
                select(SubCase.due_on).where(
                    SubCase.due_provisional_from.is_not(None),
                    SubCase.state == SubCaseState.IN_REVIEW,
                )
            )
        ).all()
    )
    dues += (
        await db.scalars(
            select(Application.commitment_due_on).where(
                Application.commitment_due_provisional_from.is_not(None),
                Application.commitment_fulfilled_at.is_(None),
                Application.state.in_(OPEN_STATES),
            )
        )
    ).all()
    dues += (
        await db.scalars(
            select(Complaint.due_on).where(
                Complaint.due_provisional_from.is_not(None), Complaint.state == ComplaintState.OPEN
            )
        )
    ).all()
    counts: dict[int, int] = {}
    for due in dues:
        if due is not None:
            first = calendar.provisional_from(today, due)
            if first is not None:
                counts[first] = counts.get(first, 0) + 1
    if today.month >= 11 and calendar.is_provisional(today.year + 1):
        counts.setdefault(today.year + 1, 0)
    if calendar.is_provisional(today.year):
        counts.setdefault(today.year, 0)
    return [ProvisionalYear(year=y, deadlines=n) for y, n in sorted(counts.items())]
