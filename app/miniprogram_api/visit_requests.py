"""``/mp/v1/visit-requests``: 上门服务 in the mini-program (ask, list, accept/decline, cancel).

The same rules as the pages (``app.assist.requests``): a request for someone else gets the
same answer whoever it names, and lists as the relative may see it. Errors are problem
details; a bad field answers 422 with ``errors`` naming the camelCase field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.assist.request_models import VisitRequest
from app.assist.requests import RequesterView, RequestForm, ResidentView, VisitRequestService
from app.composition.runtime import Runtime
from app.web.access import Access
from app.web.subjects import required_bearer

_CAMEL = {"needs_other": "needsOther", "resident_name": "residentName",
          "resident_phone": "residentPhone"}  # fmt: skip


class PreferredTime(msgspec.Struct, kw_only=True, rename="camel"):
    """A half-day: ``day`` (ISO date) and ``slot`` (``am`` | ``pm``)."""

    day: str
    slot: str


class VisitRequestCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """A request; ``residentName`` and ``residentPhone`` only when asking for someone else."""

    kind: str
    address: str
    area: str
    bundle: str
    preferred: list[PreferredTime]
    needs: list[str] = msgspec.field(default_factory=list)
    needs_other: str = ""
    resident_name: str = ""
    resident_phone: str = ""


class VisitRequestBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A request as its reader may see it (the address masked)."""

    id: UUID
    kind: str
    status: str
    area: str
    bundle: str
    address: str
    preferred: list[str]
    needs: list[str]
    needs_other: str
    for_someone_else: bool
    created_at: datetime


class VisitRequestList(msgspec.Struct, kw_only=True, rename="camel"):
    """Requests about me, and those I made for others."""

    for_me: list[VisitRequestBody]
    by_me: list[VisitRequestBody]


def provide_service(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> VisitRequestService:
    """Visit requests on the request's session."""
    return VisitRequestService(db_session, protector=runtime.protector,
                               catalog=runtime.catalog.catalog)  # fmt: skip


def _body(request: VisitRequest, status: str, address: str, other: bool) -> VisitRequestBody:
    return VisitRequestBody(
        id=request.id, kind=request.kind, status=status, area=request.area, bundle=request.bundle,
        address=address, preferred=list(request.preferred), needs=list(request.needs),
        needs_other=request.needs_other, for_someone_else=other, created_at=request.created_at,
    )  # fmt: skip


def _mine(view: ResidentView) -> VisitRequestBody:
    return _body(view.request, view.request.status, view.masked_address, False)


def _asked(view: RequesterView) -> VisitRequestBody:
    return _body(view.request, view.shown_status, view.masked_address, True)


class VisitRequestApi(Controller):
    """上门服务 through the mini-program."""

    path = "/visit-requests"
    tags = ["mini-program: visit requests"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"service": Provide(provide_service, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def list_requests(
        self, request: Request[Any, Any, Any], service: NamedDependency[VisitRequestService]
    ) -> VisitRequestList:
        """Requests about me (newest first) and those I made for someone else."""
        person = await required_bearer(request)
        for_me = [_mine(v) for v in await service.mine(person)]
        return VisitRequestList(
            for_me=for_me, by_me=[_asked(v) for v in await service.asked_by(person)]
        )

    @post("/", status_code=201)
    async def create(
        self, request: Request[Any, Any, Any], data: Annotated[VisitRequestCreate, Body()],
        service: NamedDependency[VisitRequestService],
    ) -> VisitRequestBody:  # fmt: skip
        """Ask for myself, or (with ``residentName`` / ``residentPhone``) for someone else."""
        person = await required_bearer(request)
        other = bool(data.resident_name or data.resident_phone)
        form = RequestForm(
            kind=data.kind, address=data.address, area=data.area, bundle=data.bundle,
            preferred=tuple((p.day, p.slot) for p in data.preferred), needs=tuple(data.needs),
            needs_other=data.needs_other, resident_name=data.resident_name,
            resident_phone=data.resident_phone,
        )  # fmt: skip
        try:
            if other:
                made = await service.ask_for_relative(person, form)
                return _asked(service.requester_view(made))
            made = await service.ask_for_self(person, form)
        except errors.RuleViolation as exc:
            raise errors.RuleViolation(
                exc.message, fields={_CAMEL.get(k, k): v for k, v in exc.fields.items()}
            ) from None
        return _body(made, made.status, service.requester_view(made).masked_address, False)

    @post(
        "/{request_id:uuid}/{answer:str}",
        status_code=200,
        summary="Accept, decline or cancel a visit request",
    )
    async def answer(
        self, request: Request[Any, Any, Any], request_id: FromPath[UUID], answer: FromPath[str],
        service: NamedDependency[VisitRequestService],
    ) -> VisitRequestBody:  # fmt: skip
        """``accept`` / ``decline`` (a relative's request about me) or ``cancel``."""
        person = await required_bearer(request)
        actions = {"accept": service.accept, "decline": service.decline, "cancel": service.cancel}
        if answer not in actions:
            raise errors.NotFound
        changed = await actions[answer](person, request_id)
        if changed.person_id == person.id:
            return _body(changed, changed.status, service.requester_view(changed).masked_address,
                         False)  # fmt: skip
        return _asked(service.requester_view(changed))
