"""Home visits (上门办): scheduled by a supervisor or a field worker, listed on the tablet.

A visit binds one field worker to one resident on one day; every tablet page of the visit
finds it through ``of_worker`` (another worker's visit answers 404). The in-person identity
check that raises a resident to L3 happens at a visit and records the worker who made it.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.context import Clock
from app.assist.models import HomeVisit, VisitReason, VisitStatus
from app.errors import Forbidden, NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import PERSON_ID_NUMBER, PERSON_PHONE, Person, RealNameLevel
from app.privacy import mask_phone
from app.protection import DataProtector, SensitiveKind
from app.staff.models import Staff, StaffRole
from app.staff.service import normalize_username

NO_RESIDENT = N_("No resident has an account with this phone number.")
NO_WORKER = N_("No active field worker has this username.")
PAST_DAY = N_("Choose today or a later day.")
BAD_REASON = N_("Choose why the resident is served at home.")
NOT_VERIFIED = N_("The resident has not verified their real name yet; they do that first (L2).")
ID_MISMATCH = N_("This ID number is not the one the resident verified. Check the card again.")


def _may_be_assigned(worker: Staff | None, scheduler: Staff) -> bool:
    # An active field worker; a field worker scheduling assigns only themself.
    if worker is None or worker.role != StaffRole.FIELD_WORKER or not worker.is_active:
        return False
    return scheduler.role != StaffRole.FIELD_WORKER or worker.id == scheduler.id


class VisitRequest(msgspec.Struct, kw_only=True, frozen=True):
    """What the scheduling form sends."""

    phone: str
    worker: str  # the field worker's username
    day: date
    reason: str
    note: str = ""


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

    async def schedule(self, scheduler: Staff, request: VisitRequest) -> HomeVisit:
        """A new visit; a field worker may schedule only their own."""
        if scheduler.role not in (StaffRole.SUPERVISOR, StaffRole.FIELD_WORKER):
            raise Forbidden
        problems: dict[str, str] = {}
        index = self._protector.blind_index(request.phone, SensitiveKind.PHONE)
        person = await self._db.scalar(select(Person).where(Person.phone_index == index))
        if person is None:
            problems["phone"] = NO_RESIDENT
        worker = await self._db.scalar(
            select(Staff).where(Staff.username == normalize_username(request.worker))
        )
        if not _may_be_assigned(worker, scheduler):
            problems["worker"] = NO_WORKER
        if request.day < self._clock.today():
            problems["day"] = PAST_DAY
        if request.reason not in {str(r) for r in VisitReason}:
            problems["reason"] = BAD_REASON
        if problems or person is None or worker is None:
            raise RuleViolation(fields=problems)
        visit = HomeVisit(
            person_id=person.id, field_worker_id=worker.id, scheduled_by_id=scheduler.id,
            day=request.day, reason=request.reason, note=request.note.strip()[:200],
        )  # fmt: skip
        self._db.add(visit)
        await self._db.flush()
        return visit

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
