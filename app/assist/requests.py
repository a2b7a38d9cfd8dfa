"""Visit requests (上门办 / 帮代办): asked for by the resident, a relative, or a window clerk.

A relative names the resident by name and phone number. Whatever they type, they get the
same answer and later see the same thing: "waiting for the resident" until the resident
accepts, then the appointment; a resident who declines, and a name and number that match
nobody, both read "closed without a visit" once ``RELATIVE_WAIT_DAYS`` have passed. So the
request flow tells a relative nothing about whether, or how, the resident uses the service.
The resident is told (a notice) and accepts or declines on 我的 → 上门服务.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from app.applications.context import Clock
from app.assist import request_notices
from app.assist.areas import AREAS
from app.assist.models import HomeVisit, VisitStatus
from app.assist.request_models import (
    Need,
    RequesterKind,
    RequestKind,
    RequestStatus,
    Slot,
    VisitRequest,
    VisitRequestEvent,
)
from app.catalog.schema import Catalog
from app.errors import Forbidden, NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import PERSON_PHONE, Person
from app.phones import validate_phone
from app.privacy import mask_phone
from app.protection import DataProtector, SensitiveKind
from app.records.lookups import StaffLookups
from app.records.schemas import Purpose
from app.records.sources import SubjectKind
from app.staff.models import Staff, StaffRole

BAD_KIND = N_("Choose a home visit or proxy help.")
BAD_ADDRESS = N_("Write the address where the worker should come (4 to 200 characters).")
BAD_AREA = N_("Choose the district and street.")
BAD_BUNDLE = N_("Choose what the visit is for.")
BAD_TIMES = N_("Choose at least one day from today on, within 60 days, with morning or afternoon.")
BAD_NEEDS = N_("Describe other needs in at most 200 characters.")
BAD_NAME = N_("Write the resident's name as on their ID card.")
BAD_PHONE = N_("Write the resident's mobile number (11 digits).")
OWN_PHONE = N_("This is your own number: ask for yourself on the form for you.")
TOO_MANY = N_("You have too many requests waiting for an answer. Wait for them or cancel one.")

# What the resident reads on 数据使用记录 when staff found them by phone (stored as written).
STAFF_PURPOSE_KIND = "visit_request"
STAFF_PURPOSE_LABEL = (
    "工作人员按手机号登记上门服务申请 (staff recording a home-visit request by your phone)"
)

RELATIVE_WAIT_DAYS = 14  # how long a relative sees "waiting" before "closed without a visit"
RELATIVE_MAX_WAITING = 3  # requests a relative may have waiting at once (against spamming)
MAX_AHEAD_DAYS = 60
OPEN = (RequestStatus.AWAITING_RESIDENT, RequestStatus.REQUESTED, RequestStatus.ASSIGNED)


def address_context(request_id: UUID) -> str:
    """What the address ciphertext is bound to: a value copied to another request fails."""
    return f"assist_visit_request.address:{request_id}"


def mask_address(address: str) -> str:
    """The first few characters of an address (the street, not the door)."""
    return f"{address[:6]}…" if len(address) > 6 else "…"


class RequestForm(msgspec.Struct, kw_only=True, frozen=True):
    """What a request form sends. ``resident_*`` only when asking for someone else."""

    kind: str
    address: str
    area: str
    bundle: str
    preferred: tuple[tuple[str, str], ...]  # (ISO day, slot), empty pairs dropped
    needs: tuple[str, ...] = ()
    needs_other: str = ""
    resident_name: str = ""
    resident_phone: str = ""


class RequesterView(msgspec.Struct, kw_only=True, frozen=True):
    """A request as the person who asked for someone else sees it."""

    request: VisitRequest
    shown_status: str  # "waiting" | "closed" | a RequestStatus
    masked_address: str


class ResidentView(msgspec.Struct, kw_only=True, frozen=True):
    """A request about the resident, with who asked (a relative: name and masked phone)."""

    request: VisitRequest
    asked_by: str  # "" (themself) | "staff" | the relative's name and masked phone
    masked_address: str
    events: list[VisitRequestEvent]


def _preferred(pairs: tuple[tuple[str, str], ...], today: date) -> list[str] | None:
    chosen: list[str] = []
    for raw_day, slot in pairs:
        if not raw_day and not slot:
            continue
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            return None
        if slot not in {str(s) for s in Slot}:
            return None
        if not today <= day <= today + timedelta(days=MAX_AHEAD_DAYS):
            return None
        if f"{day.isoformat()}:{slot}" not in chosen:
            chosen.append(f"{day.isoformat()}:{slot}")
    return sorted(chosen) or None


def validate(form: RequestForm, catalog: Catalog, today: date) -> dict[str, str]:
    """The problems of the request's own fields (not the resident's name and phone)."""
    problems: dict[str, str] = {}
    if form.kind not in {str(k) for k in RequestKind}:
        problems["kind"] = BAD_KIND
    if not 4 <= len(form.address.strip()) <= 200:
        problems["address"] = BAD_ADDRESS
    if form.area not in AREAS:
        problems["area"] = BAD_AREA
    bundle = catalog.bundles.get(form.bundle)
    if bundle is None or bundle.audience is not SubjectKind.PERSON:
        problems["bundle"] = BAD_BUNDLE
    if _preferred(form.preferred, today) is None:
        problems["preferred"] = BAD_TIMES
    if not set(form.needs) <= {str(n) for n in Need} or len(form.needs_other.strip()) > 200:
        problems["needs"] = BAD_NEEDS
    return problems


class VisitRequestService:
    """Asking for visits, and what residents and requesters see of them, on one session."""

    def __init__(
        self, db: AsyncSession, *, protector: DataProtector, catalog: Catalog,
        clock: Clock | None = None,
    ) -> None:  # fmt: skip
        self._db = db
        self._protector = protector
        self.catalog = catalog
        self.db = db
        self.protector = protector
        self.clock = clock or Clock()

    def address_of(self, request: VisitRequest) -> str:
        """The address in clear: for the supervisor and the assigned worker's tablet only."""
        return self._protector.unseal(
            request.address_ciphertext, context=address_context(request.id)
        )

    async def ask_for_self(self, person: Person, form: RequestForm) -> VisitRequest:
        """The resident asks for themself."""
        problems = validate(form, self.catalog, self.clock.today())
        if problems:
            raise RuleViolation(fields=problems)
        return await self._add(form, person.id, RequesterKind.RESIDENT, RequestStatus.REQUESTED,
                               requester_person_id=person.id)  # fmt: skip

    async def ask_for_relative(self, relative: Person, form: RequestForm) -> VisitRequest:
        """A signed-in person asks for someone else; the same outcome whoever they name."""
        problems = validate(form, self.catalog, self.clock.today())
        name = " ".join(form.resident_name.split())
        digits = "".join(ch for ch in form.resident_phone if ch.isdigit())
        if not 2 <= len(name) <= 50:
            problems["resident_name"] = BAD_NAME
        if len(digits) != 11 or not digits.startswith("1"):
            problems["resident_phone"] = BAD_PHONE
        index = self._protector.blind_index(digits, SensitiveKind.PHONE)
        if not problems and index == relative.phone_index:
            problems["resident_phone"] = OWN_PHONE
        if not problems and await self._waiting_of(relative) >= RELATIVE_MAX_WAITING:
            problems["resident_phone"] = TOO_MANY
        if problems:
            raise RuleViolation(fields=problems)
        found = await self._db.scalar(select(Person).where(Person.phone_index == index))
        # A match needs the name too, and an active account: otherwise nobody is asked, and
        # the relative cannot tell (the request is kept with no resident).
        match = found if found and found.is_active and found.real_name == name else None
        request = await self._add(
            form, match.id if match else None, RequesterKind.RELATIVE,
            RequestStatus.AWAITING_RESIDENT, requester_person_id=relative.id,
        )  # fmt: skip
        if match is not None:
            await request_notices.ask_resident(self._db, request)
        return request

    async def ask_as_staff(self, clerk: Staff, form: RequestForm) -> VisitRequest | None:
        """A window clerk (or a community worker, who signs in as one) asks for a resident.

        Bad input raises ``RuleViolation`` before anyone is looked up. The resident is found
        by phone through ``StaffLookups`` (on their data-use record, audited); a number
        without an active account records nothing and gives None. The caller answers both
        alike, so the form is no oracle of who has an account.
        """
        if clerk.role not in (StaffRole.WINDOW_CLERK, StaffRole.SUPERVISOR):
            raise Forbidden
        problems = validate(form, self.catalog, self.clock.today())
        phone = ""
        try:
            phone = validate_phone(form.resident_phone, field="resident_phone")
        except RuleViolation as exc:
            problems.update(exc.fields)
        if problems:
            raise RuleViolation(fields=problems)
        request_id = uuid7()
        person = await StaffLookups(self._db, self._protector).find(
            clerk, phone, Purpose(STAFF_PURPOSE_KIND, str(request_id), STAFF_PURPOSE_LABEL)
        )
        if person is None:
            return None
        request = await self._add(form, person.id, RequesterKind.STAFF, RequestStatus.REQUESTED,
                                  requester_staff_id=clerk.id, request_id=request_id)  # fmt: skip
        await request_notices.recorded_for_resident(self._db, request)
        return request

    async def _waiting_of(self, relative: Person) -> int:
        since = self.clock.now() - timedelta(days=RELATIVE_WAIT_DAYS)
        count = await self._db.scalar(
            select(func.count()).select_from(VisitRequest).where(
                VisitRequest.requester_person_id == relative.id,
                VisitRequest.requester_kind == RequesterKind.RELATIVE,
                VisitRequest.status.in_([RequestStatus.AWAITING_RESIDENT, RequestStatus.DECLINED]),
                VisitRequest.created_at >= since,
            )
        )  # fmt: skip
        return int(count or 0)

    async def _add(
        self, form: RequestForm, person_id: UUID | None, requester: RequesterKind,
        status: RequestStatus, *, requester_person_id: UUID | None = None,
        requester_staff_id: UUID | None = None, request_id: UUID | None = None,
    ) -> VisitRequest:  # fmt: skip
        request = VisitRequest(
            id=request_id or uuid7(), person_id=person_id, requester_kind=requester,
            requester_person_id=requester_person_id, requester_staff_id=requester_staff_id,
            kind=form.kind, area=form.area,
            bundle=form.bundle, preferred=_preferred(form.preferred, self.clock.today()),
            needs=sorted(set(form.needs)), needs_other=form.needs_other.strip(), status=status,
            address_ciphertext="",
        )  # fmt: skip
        self._db.add(request)
        await self._db.flush()
        request.address_ciphertext = self._protector.seal(
            " ".join(form.address.split()), context=address_context(request.id)
        )
        actor = (
            ("staff", requester_staff_id) if requester_staff_id else ("person", requester_person_id)
        )
        self.record(request, status, actor)
        await self._db.flush()
        return request

    def record(self, request: VisitRequest, kind: str, actor: tuple[str, UUID | None],
               note: str = "") -> None:  # fmt: skip
        """Append a step to the request's history."""
        event = VisitRequestEvent(request_id=request.id, kind=kind, actor_kind=actor[0],
                                  actor_id=actor[1], note=note, at=self.clock.now())  # fmt: skip
        self._db.add(event)

    # --- what people see -----------------------------------------------------------------

    async def mine(self, person: Person) -> list[ResidentView]:
        """Requests about the resident, newest first, each with its history."""
        rows = (await self._db.scalars(
            select(VisitRequest).where(VisitRequest.person_id == person.id)
            .order_by(VisitRequest.created_at.desc())
        )).all()  # fmt: skip
        return [await self._resident_view(r) for r in rows]

    async def asked_by(self, person: Person) -> list[RequesterView]:
        """Requests the person made for someone else, as the requester may see them."""
        rows = (await self._db.scalars(
            select(VisitRequest).where(
                VisitRequest.requester_person_id == person.id,
                VisitRequest.requester_kind == RequesterKind.RELATIVE,
            ).order_by(VisitRequest.created_at.desc())
        )).all()  # fmt: skip
        return [self.requester_view(r) for r in rows]

    def requester_view(self, request: VisitRequest) -> RequesterView:
        """What a relative sees: nothing that tells whether the resident exists or declined."""
        status = request.status
        if request.person_id is None or status in (RequestStatus.AWAITING_RESIDENT,
                                                   RequestStatus.DECLINED):  # fmt: skip
            old = request.created_at <= self.clock.now() - timedelta(days=RELATIVE_WAIT_DAYS)
            status = "closed" if old else "waiting"
            if request.status == RequestStatus.CANCELLED:
                status = RequestStatus.CANCELLED
        address = mask_address(self.address_of(request))
        return RequesterView(request=request, shown_status=str(status), masked_address=address)

    async def _resident_view(self, request: VisitRequest) -> ResidentView:
        asked_by = ""
        if request.requester_kind == RequesterKind.STAFF:
            asked_by = "staff"
        elif request.requester_kind == RequesterKind.RELATIVE and request.requester_person_id:
            relative = await self._db.get(Person, request.requester_person_id)
            if relative is not None:
                phone = self._protector.reveal(relative.phone_ciphertext, PERSON_PHONE)
                asked_by = f"{relative.real_name or ''} {mask_phone(phone)}".strip()
        events = (await self._db.scalars(
            select(VisitRequestEvent).where(VisitRequestEvent.request_id == request.id)
            .order_by(VisitRequestEvent.id)
        )).all()  # fmt: skip
        return ResidentView(request=request, asked_by=asked_by, events=list(events),
                            masked_address=mask_address(self.address_of(request)))  # fmt: skip

    async def of_person(self, person: Person, request_id: UUID) -> VisitRequest:
        """The request if it is about the person or they asked for it; ``NotFound`` otherwise."""
        request = await self._db.get(VisitRequest, request_id)
        if request is None or person.id not in (request.person_id, request.requester_person_id):
            raise NotFound
        return request

    # --- the resident's and the requester's answers ---------------------------------------

    async def accept(self, person: Person, request_id: UUID) -> VisitRequest:
        """The resident accepts a relative's request: it joins the supervisors' queue."""
        request = await self.of_person(person, request_id)
        if request.person_id != person.id:
            raise NotFound
        if request.status == RequestStatus.AWAITING_RESIDENT:
            request.status = RequestStatus.REQUESTED
            self.record(request, "accepted", ("person", person.id))
            await self._db.flush()
        return request

    async def decline(self, person: Person, request_id: UUID) -> VisitRequest:
        """The resident declines a relative's request; the relative is not told."""
        request = await self.of_person(person, request_id)
        if request.person_id != person.id:
            raise NotFound
        if request.status == RequestStatus.AWAITING_RESIDENT:
            request.status = RequestStatus.DECLINED
            self.record(request, RequestStatus.DECLINED, ("person", person.id))
            await self._db.flush()
        return request

    async def cancel(self, person: Person, request_id: UUID) -> VisitRequest:
        """The resident cancels an open request; a relative, their own until it is accepted.

        A relative's cancel of a request that matched nobody, or that the resident declined,
        looks the same to them as any other. Cancelling an assigned request cancels its visit.
        """
        request = await self.of_person(person, request_id)
        if request.person_id == person.id:
            if request.status not in OPEN:
                return request
        elif request.status not in (RequestStatus.AWAITING_RESIDENT, RequestStatus.DECLINED):
            return request
        await cancel_request(self._db, request)
        self.record(request, RequestStatus.CANCELLED, ("person", person.id))
        await self._db.flush()
        return request


async def cancel_request(db: AsyncSession, request: VisitRequest) -> None:
    """Mark the request (and its visit, if any) cancelled; the caller records who did it."""
    if request.visit_id is not None:
        visit = await db.get(HomeVisit, request.visit_id)
        if visit is not None and visit.status == VisitStatus.SCHEDULED:
            visit.status = VisitStatus.CANCELLED
    request.status = RequestStatus.CANCELLED
