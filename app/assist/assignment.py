"""Supervisors assign visit requests to field workers by area and load (派单).

Suggestions are the active field workers serving the request's area, least loaded first:
scheduled visits on the chosen day, then in that ISO week, then by name. Picking one creates
the ``HomeVisit`` the worker's tablet lists; rescheduling moves it, cancelling cancels it.
Each step writes its notices in the same transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist import request_notices
from app.assist.areas import AREAS
from app.assist.models import HomeVisit, VisitReason, VisitStatus
from app.assist.request_models import RequestStatus, Slot, VisitRequest, WorkerArea
from app.assist.requests import MAX_AHEAD_DAYS, VisitRequestService, cancel_request
from app.errors import Forbidden, NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import PERSON_PHONE, Person
from app.privacy import mask_phone
from app.staff.models import Staff, StaffRole

BAD_WORKER = N_("Choose one of the field workers serving this area.")
BAD_DAY = N_("Choose a day from today on, within 60 days.")
BAD_SLOT = N_("Choose morning or afternoon.")
BAD_REASON = N_("Choose why the resident is served at home.")
NOT_OPEN = N_("This request is no longer open.")


class Suggestion(msgspec.Struct, kw_only=True, frozen=True):
    """A field worker for the request, with their load."""

    worker: Staff
    day_load: int  # scheduled visits on the day
    week_load: int  # scheduled visits in that ISO week


class QueueItem(msgspec.Struct, kw_only=True, frozen=True):
    """A request as the supervisor sees it: the resident, the address in clear, the visit."""

    request: VisitRequest
    resident_name: str
    masked_phone: str
    address: str
    visit: HomeVisit | None
    worker_name: str


class Assignment(msgspec.Struct, kw_only=True, frozen=True):
    """What the assignment form sends."""

    worker_id: str
    day: str
    slot: str
    reason: str = VisitReason.ELDERLY


class Dispatch:
    """The supervisors' side of requests, on one session."""

    def __init__(self, requests: VisitRequestService) -> None:
        self.requests = requests
        self._db: AsyncSession = requests.db

    @staticmethod
    def _require_supervisor(staff: Staff) -> None:
        if staff.role != StaffRole.SUPERVISOR:
            raise Forbidden

    async def queue(self, supervisor: Staff, area: str = "") -> list[QueueItem]:
        """Open requests (requested or assigned), oldest first, of one area or all."""
        self._require_supervisor(supervisor)
        query = select(VisitRequest).where(
            VisitRequest.status.in_([RequestStatus.REQUESTED, RequestStatus.ASSIGNED])
        )
        if area:
            query = query.where(VisitRequest.area == area)
        rows = (await self._db.scalars(query.order_by(VisitRequest.created_at))).all()
        return [await self.item(r, reveal=False) for r in rows]

    async def item(self, request: VisitRequest, *, reveal: bool = True) -> QueueItem:
        """One request with what the supervisor needs to assign it.

        The list (``reveal=False``) decrypts nothing: the phone and the address are read only
        on the request's own page.
        """
        person = await self._db.get(Person, request.person_id) if request.person_id else None
        if person is None:
            raise NotFound
        phone = (
            self.requests.protector.reveal(person.phone_ciphertext, PERSON_PHONE) if reveal else ""
        )
        visit = await self._db.get(HomeVisit, request.visit_id) if request.visit_id else None
        worker = await self._db.get(Staff, visit.field_worker_id) if visit else None
        return QueueItem(
            request=request, resident_name=person.real_name or "", masked_phone=mask_phone(phone),
            address=self.requests.address_of(request) if reveal else "", visit=visit,
            worker_name=worker.display_name if worker else "",
        )  # fmt: skip

    async def open_request(self, supervisor: Staff, request_id: UUID) -> VisitRequest:
        """A request in the queue (requested or assigned); ``NotFound`` otherwise."""
        self._require_supervisor(supervisor)
        request = await self._db.get(VisitRequest, request_id)
        if request is None or request.person_id is None or request.status not in (
            RequestStatus.REQUESTED, RequestStatus.ASSIGNED, RequestStatus.VISITED,
            RequestStatus.CANCELLED,
        ):  # fmt: skip
            raise NotFound
        return request

    async def suggestions(self, request: VisitRequest, day: date) -> list[Suggestion]:
        """Active field workers serving the request's area, least loaded on ``day`` first."""
        workers = (await self._db.scalars(
            select(Staff).join(WorkerArea, WorkerArea.staff_id == Staff.id).where(
                WorkerArea.area == request.area, Staff.role == StaffRole.FIELD_WORKER,
                Staff.disabled_at.is_(None),
            )
        )).all()  # fmt: skip
        monday = day - timedelta(days=day.weekday())
        found = [Suggestion(worker=w, day_load=await self._load(w.id, day, day),
                            week_load=await self._load(w.id, monday, monday + timedelta(days=6)))
                 for w in workers]  # fmt: skip
        return sorted(found, key=lambda s: (s.day_load, s.week_load, s.worker.display_name,
                                            s.worker.username))  # fmt: skip

    async def _load(self, worker_id: UUID, first: date, last: date) -> int:
        count = await self._db.scalar(
            select(func.count()).select_from(HomeVisit).where(
                HomeVisit.field_worker_id == worker_id, HomeVisit.day >= first,
                HomeVisit.day <= last, HomeVisit.status != VisitStatus.CANCELLED,
            )
        )  # fmt: skip
        return int(count or 0)

    async def _checked(self, request: VisitRequest, form: Assignment) -> tuple[Staff, date]:
        problems: dict[str, str] = {}
        today = self.requests.clock.today()
        try:
            day = date.fromisoformat(form.day)
        except ValueError:
            day = today - timedelta(days=1)
        if not today <= day <= today + timedelta(days=MAX_AHEAD_DAYS):
            problems["day"] = BAD_DAY
        if form.slot not in {str(s) for s in Slot}:
            problems["slot"] = BAD_SLOT
        if form.reason not in {str(r) for r in VisitReason}:
            problems["reason"] = BAD_REASON
        workers = {str(s.worker.id): s.worker for s in await self.suggestions(request, today)}
        worker = workers.get(form.worker_id)
        if worker is None:
            problems["worker_id"] = BAD_WORKER
        if problems or worker is None:
            raise RuleViolation(fields=problems)
        return worker, day

    async def assign(self, supervisor: Staff, request_id: UUID, form: Assignment) -> VisitRequest:
        """Create the visit for the chosen worker, day and half-day; tell the people."""
        request = await self.open_request(supervisor, request_id)
        if request.status != RequestStatus.REQUESTED or request.person_id is None:
            raise RuleViolation(NOT_OPEN)
        worker, day = await self._checked(request, form)
        visit = HomeVisit(person_id=request.person_id, field_worker_id=worker.id,
                          scheduled_by_id=supervisor.id, day=day, reason=form.reason)  # fmt: skip
        self._db.add(visit)
        await self._db.flush()
        request.visit_id, request.slot = visit.id, form.slot
        request.status = RequestStatus.ASSIGNED
        request.revision += 1
        self.requests.record(request, RequestStatus.ASSIGNED, ("staff", supervisor.id),
                             f"{day.isoformat()}:{form.slot}")  # fmt: skip
        await request_notices.appointment(
            self._db, request, day=day, worker_name=worker.display_name, changed=False
        )
        await self._db.flush()
        return request

    async def reschedule(
        self, supervisor: Staff, request_id: UUID, form: Assignment
    ) -> VisitRequest:
        """Move an assigned visit to another day, half-day or worker; tell the people."""
        request = await self.open_request(supervisor, request_id)
        visit = await self._db.get(HomeVisit, request.visit_id) if request.visit_id else None
        if request.status != RequestStatus.ASSIGNED or visit is None:
            raise RuleViolation(NOT_OPEN)
        worker, day = await self._checked(request, form)
        visit.field_worker_id, visit.day, visit.reason = worker.id, day, form.reason
        request.slot = form.slot
        request.revision += 1
        self.requests.record(request, "rescheduled", ("staff", supervisor.id),
                             f"{day.isoformat()}:{form.slot}")  # fmt: skip
        await request_notices.appointment(
            self._db, request, day=day, worker_name=worker.display_name, changed=True
        )
        await self._db.flush()
        return request

    async def cancel(self, supervisor: Staff, request_id: UUID) -> VisitRequest:
        """Cancel an open request and its visit; tell the people."""
        request = await self.open_request(supervisor, request_id)
        if request.status not in (RequestStatus.REQUESTED, RequestStatus.ASSIGNED):
            raise RuleViolation(NOT_OPEN)
        await cancel_request(self._db, request)
        request.revision += 1
        self.requests.record(request, RequestStatus.CANCELLED, ("staff", supervisor.id))
        await request_notices.cancelled(self._db, request)
        await self._db.flush()
        return request

    async def visited(self, staff: Staff, request_id: UUID) -> VisitRequest:
        """The visit took place: the supervisor or the assigned worker says so."""
        request = await self._db.get(VisitRequest, request_id)
        visit = (
            await self._db.get(HomeVisit, request.visit_id)
            if request and request.visit_id
            else None
        )
        if request is None or visit is None or (
            staff.role != StaffRole.SUPERVISOR and visit.field_worker_id != staff.id
        ):  # fmt: skip
            raise NotFound
        if request.status == RequestStatus.ASSIGNED:
            request.status = RequestStatus.VISITED
            visit.status = VisitStatus.DONE
            self.requests.record(request, RequestStatus.VISITED, ("staff", staff.id))
            await self._db.flush()
        return request

    async def tablet_details(self, visit_ids: list[UUID]) -> dict[UUID, VisitRequest]:
        """The requests behind the worker's visits (their address and needs for the tablet)."""
        if not visit_ids:
            return {}
        rows = await self._db.scalars(
            select(VisitRequest).where(VisitRequest.visit_id.in_(visit_ids))
        )
        return {r.visit_id: r for r in rows if r.visit_id is not None}

    async def set_areas(self, worker: Staff, areas: list[str]) -> None:
        """The areas a field worker serves (replacing the previous ones)."""
        if worker.role != StaffRole.FIELD_WORKER or not set(areas) <= set(AREAS):
            raise RuleViolation(BAD_WORKER)
        await self._db.execute(delete(WorkerArea).where(WorkerArea.staff_id == worker.id))
        self._db.add_all([WorkerArea(staff_id=worker.id, area=a) for a in sorted(set(areas))])
        await self._db.flush()
