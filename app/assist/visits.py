"""Home visits (上门办): scheduled by a supervisor, listed on the field worker's tablet.

A visit binds one field worker to one resident on one day; every tablet page of the visit
finds it through ``of_worker`` (another worker's visit answers 404). The in-person identity
check that raises a resident to L3 happens at a visit and records the worker who made it.

Scheduling by phone number is for supervisors only (field workers get their visits from a
supervisor: here, or by assignment of a visit request). The resident is found through
``StaffLookups`` — logged on their data-use record and audited — and told by a notice in
the same transaction. The scheduler gets the same answer whether or not the number has an
account: a number without one schedules nothing, and says so to nobody.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from app.applications.context import Clock
from app.assist.models import HomeVisit, VisitReason, VisitStatus
from app.assist.request_models import WorkerArea
from app.errors import Forbidden, NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import PERSON_ID_NUMBER, PERSON_PHONE, Person, RealNameLevel
from app.notices.outbox import write_for_subject
from app.notices.texts import NoticeKind
from app.phones import validate_phone
from app.privacy import mask_phone
from app.protection import DataProtector
from app.records.lookups import StaffLookups
from app.records.schemas import Purpose
from app.staff.models import Staff, StaffRole

NO_WORKER = N_("Choose one of the active field workers.")
BAD_DAY = N_("Choose a day from today on, within 60 days.")
BAD_REASON = N_("Choose why the resident is served at home.")
NOT_VERIFIED = N_("The resident has not verified their real name yet; they do that first (L2).")
ID_MISMATCH = N_("This ID number is not the one the resident verified. Check the card again.")

MAX_AHEAD_DAYS = 60
# What the resident reads on 数据使用记录 (stored as written, in both languages).
PURPOSE_KIND = "home_visit"
PURPOSE_LABEL = "督办人员按手机号预约上门服务 (a supervisor scheduling a home visit by your phone)"
SUBJECT_PREFIX = "home-visit:"


class VisitRequest(msgspec.Struct, kw_only=True, frozen=True):
    """What the scheduling form sends, as typed: the service says what is missing or wrong."""

    phone: str
    worker_id: str  # the id of one of ``field_workers()``
    day: str  # ISO date
    reason: str
    note: str = ""


class WorkerChoice(msgspec.Struct, kw_only=True, frozen=True):
    """An active field worker as the scheduling form lists them, with the areas they serve."""

    worker: Staff
    areas: list[str]


class VisitCard(msgspec.Struct, kw_only=True, frozen=True):
    """A visit as the tablet lists it: the resident by name and masked phone only."""

    visit: HomeVisit
    resident_name: str
    masked_phone: str
    real_name_level: str


class VisitService:
    """Scheduling and finding home visits, on one session."""

    def __init__(self, db: AsyncSession, *, protector: DataProtector, clock: Clock | None = None):
        self._db = db
        self._protector = protector
        self._clock = clock or Clock()

    async def field_workers(self) -> list[WorkerChoice]:
        """The active field workers, by name, each with the area codes they serve."""
        workers = (await self._db.scalars(
            select(Staff).where(Staff.role == StaffRole.FIELD_WORKER, Staff.disabled_at.is_(None))
            .order_by(Staff.display_name, Staff.username)
        )).all()  # fmt: skip
        served: dict[UUID, list[str]] = {}
        for row in await self._db.scalars(select(WorkerArea).order_by(WorkerArea.area)):
            served.setdefault(row.staff_id, []).append(row.area)
        return [WorkerChoice(worker=w, areas=served.get(w.id, [])) for w in workers]

    async def field_worker(self, raw_id: str) -> Staff | None:
        """The active field worker with this id (as a form sends it), or None."""
        try:
            worker = await self._db.get(Staff, UUID(raw_id))
        except ValueError:
            return None
        if worker is None or worker.role != StaffRole.FIELD_WORKER or not worker.is_active:
            return None
        return worker

    async def schedule(self, scheduler: Staff, request: VisitRequest) -> HomeVisit | None:
        """A supervisor schedules a visit for the resident with this phone number.

        Bad input raises ``RuleViolation`` before anyone is looked up. Then the visit is
        made — and the resident told — if the number has an active account; otherwise
        nothing is, and None comes back. The caller answers both alike.
        """
        if scheduler.role != StaffRole.SUPERVISOR:
            raise Forbidden
        phone, worker, day = await self._checked(request)
        visit_id = uuid7()
        person = await StaffLookups(self._db, self._protector).find(
            scheduler, phone, Purpose(PURPOSE_KIND, str(visit_id), PURPOSE_LABEL)
        )
        if person is None:
            return None
        visit = HomeVisit(
            id=visit_id, person_id=person.id, field_worker_id=worker.id,
            scheduled_by_id=scheduler.id, day=day, reason=request.reason,
            note=request.note.strip()[:200],
        )  # fmt: skip
        self._db.add(visit)
        await self._db.flush()
        write_for_subject(
            self._db, NoticeKind.VISIT_SCHEDULED, subject_key=f"{SUBJECT_PREFIX}{visit.id}",
            person_id=person.id, params={"number": visit.id.hex[-8:].upper(),
                                         "day": day.isoformat(), "worker": worker.display_name},
        )  # fmt: skip
        await self._db.flush()
        return visit

    async def _checked(self, request: VisitRequest) -> tuple[str, Staff, date]:
        problems: dict[str, str] = {}
        phone = ""
        try:
            phone = validate_phone(request.phone)
        except RuleViolation as exc:
            problems.update(exc.fields)
        worker = await self.field_worker(request.worker_id)
        if worker is None:
            problems["worker_id"] = NO_WORKER
        today = self._clock.today()
        try:
            day = date.fromisoformat(request.day)
        except ValueError:
            day = today - timedelta(days=1)
        if not today <= day <= today + timedelta(days=MAX_AHEAD_DAYS):
            problems["day"] = BAD_DAY
        if request.reason not in {str(r) for r in VisitReason}:
            problems["reason"] = BAD_REASON
        if problems or worker is None:
            raise RuleViolation(fields=problems)
        return phone, worker, day

    async def today(self, worker: Staff) -> list[VisitCard]:
        """The worker's scheduled visits of today (in China)."""
        rows = await self._db.scalars(
            select(HomeVisit)
            .where(
                HomeVisit.field_worker_id == worker.id,
                HomeVisit.day == self._clock.today(),
                HomeVisit.status == VisitStatus.SCHEDULED,
            )
            .order_by(HomeVisit.created_at)
        )
        return [await self.card(visit) for visit in rows]

    async def of_worker(self, worker: Staff, visit_id: UUID) -> HomeVisit:
        """The visit if it is this worker's; ``NotFound`` otherwise."""
        visit = await self._db.get(HomeVisit, visit_id)
        if visit is None or visit.field_worker_id != worker.id:
            raise NotFound
        return visit

    async def card(self, visit: HomeVisit) -> VisitCard:
        """The visit with what the tablet may show of the resident."""
        person = await self._db.get(Person, visit.person_id)
        if person is None:
            raise NotFound
        phone = self._protector.reveal(person.phone_ciphertext, PERSON_PHONE)
        return VisitCard(
            visit=visit, resident_name=person.real_name or "", masked_phone=mask_phone(phone),
            real_name_level=str(person.real_name_level),
        )  # fmt: skip

    async def check_identity(self, worker: Staff, visit_id: UUID, raw_id_number: str) -> Person:
        """The worker saw the ID card: its number matches the verified one, so the level is L3."""
        visit = await self.of_worker(worker, visit_id)
        person = await self._db.get(Person, visit.person_id)
        if person is None:
            raise NotFound
        if person.id_number_index is None:
            raise RuleViolation(NOT_VERIFIED)
        seen = self._protector.blind_index(raw_id_number, PERSON_ID_NUMBER.kind)
        if seen != person.id_number_index:
            raise RuleViolation(fields={"id_number": ID_MISMATCH})
        person.real_name_level = RealNameLevel.IN_PERSON
        visit.id_checked_by_id = worker.id
        visit.id_checked_at = self._clock.now()
        await self._db.flush()
        return person
