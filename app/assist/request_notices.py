"""Notices about visit requests, written in the caller's transaction (the outbox).

Each notice's subject key names the request, the step and the request's revision, once per
recipient: a step written twice (a retried request) finds its key and writes nothing more.
Parameters are language-neutral (a reference, an ISO day, hours, the worker's name), so a
stored notice reads in any language; never the resident's name, phone or address.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.request_models import SLOT_HOURS, RequesterKind, VisitRequest
from app.notices.models import Notice
from app.notices.outbox import write_for_subject
from app.notices.texts import NoticeKind

SUBJECT_PREFIX = "visit-request:"


def reference(request: VisitRequest) -> str:
    """A short reference to the request for notices (the random tail of its id)."""
    return request.id.hex[-8:].upper()


async def _write(db: AsyncSession, kind: NoticeKind, request: VisitRequest, step: str,
                 person_id: UUID, params: dict[str, str]) -> None:  # fmt: skip
    key = f"{SUBJECT_PREFIX}{request.id}:{step}:{request.revision}"
    exists = await db.scalar(
        select(Notice.id).where(Notice.subject_key == key, Notice.person_id == person_id)
    )
    if exists is None:
        write_for_subject(db, kind, subject_key=key, person_id=person_id,
                          params={"number": reference(request), **params})  # fmt: skip


def _recipients(request: VisitRequest) -> list[UUID]:
    # The relative hears of appointments only once the resident has accepted their request.
    people = [request.person_id] if request.person_id else []
    if request.requester_kind == RequesterKind.RELATIVE and request.requester_person_id:
        people.append(request.requester_person_id)
    return people


async def ask_resident(db: AsyncSession, request: VisitRequest) -> None:
    """A relative asked for the resident: they accept or decline on 我的 → 上门服务."""
    if request.person_id is not None:
        await _write(db, NoticeKind.VISIT_REQUEST_TO_CONFIRM, request, "asked",
                     request.person_id, {})  # fmt: skip


async def recorded_for_resident(db: AsyncSession, request: VisitRequest) -> None:
    """Staff recorded a request for the resident."""
    if request.person_id is not None:
        await _write(db, NoticeKind.VISIT_REQUEST_RECORDED, request, "recorded",
                     request.person_id, {})  # fmt: skip


async def appointment(db: AsyncSession, request: VisitRequest, *, day: date, worker_name: str,
                      changed: bool) -> None:  # fmt: skip
    """The visit was assigned (or changed): the day, the half-day's hours and the worker."""
    kind = NoticeKind.VISIT_CHANGED if changed else NoticeKind.VISIT_ASSIGNED
    params = {"day": day.isoformat(), "time": SLOT_HOURS.get(request.slot or "", ""),
              "worker": worker_name}  # fmt: skip
    for person_id in _recipients(request):
        await _write(db, kind, request, "changed" if changed else "assigned", person_id, params)


async def cancelled(db: AsyncSession, request: VisitRequest) -> None:
    """Staff cancelled the request (and its visit)."""
    for person_id in _recipients(request):
        await _write(db, NoticeKind.VISIT_CANCELLED, request, "cancelled", person_id, {})
