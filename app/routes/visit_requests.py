"""我的 → 上门服务: a resident asks for a home visit or proxy help, for themself or a relative.

Also the window clerk's form in staff space (community workers sign in as window clerks).
Bad input re-renders the form with messages (422) and changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.assist.areas import AREAS
from app.assist.request_models import Need, RequestKind, Slot
from app.assist.requests import RequestForm, VisitRequestService
from app.composition.runtime import Runtime
from app.records.sources import SubjectKind
from app.routes.sign_in import current_person
from app.routes.staff import NO_STORE, current_staff
from app.web.access import Access

MINE = "/me/visit-requests"
STAFF_NEW = "/staff/visit-requests/new"
TIMES = 3  # preferred day + half-day pairs on the form
_FIELDS = ("kind", "address", "area", "bundle", "needs_other", "resident_name", "resident_phone")


def provide_visit_requests(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> VisitRequestService:
    """Visit requests on the request's session."""
    return VisitRequestService(db_session, protector=runtime.protector,
                               catalog=runtime.catalog.catalog)  # fmt: skip


DEPENDENCIES = {"requests": Provide(provide_visit_requests, sync_to_thread=False)}


def parse_form(form: FormMultiDict) -> tuple[RequestForm, dict[str, Any]]:
    """The request form's fields, and the raw values to re-render it with."""
    raw: dict[str, Any] = {k: str(form.get(k, "")) for k in _FIELDS}
    raw["needs"] = [str(n) for n in form.getall("needs", [])]
    pairs = tuple((str(form.get(f"day{i}", "")), str(form.get(f"slot{i}", "")))
                  for i in range(1, TIMES + 1))  # fmt: skip
    raw.update({f"day{i}": d for i, (d, _) in enumerate(pairs, 1)})
    raw.update({f"slot{i}": s for i, (_, s) in enumerate(pairs, 1)})
    parsed = RequestForm(
        kind=raw["kind"], address=raw["address"], area=raw["area"], bundle=raw["bundle"],
        preferred=pairs, needs=tuple(raw["needs"]), needs_other=raw["needs_other"],
        resident_name=raw["resident_name"], resident_phone=raw["resident_phone"],
    )  # fmt: skip
    return parsed, raw


def form_page(requests: VisitRequestService, template: str, status: int = 200,
              **context: Any) -> Template:  # fmt: skip
    """A request form (the resident's, a relative's, or staff's)."""
    bundles = [b for b in requests.catalog.bundles.values() if b.audience is SubjectKind.PERSON]
    return Template(
        template_name=f"assist/{template}.html",
        context={"errors": {}, "form": {}, "tab": "me", "areas": AREAS, "bundles": bundles,
                 "kinds": [str(k) for k in RequestKind], "slots": [str(s) for s in Slot],
                 "needs": [str(n) for n in Need], "times": TIMES, **context},
        status_code=status, headers=NO_STORE,
    )  # fmt: skip


class VisitRequestController(Controller):
    """``/me/visit-requests``: ask, see, accept or decline, cancel."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(MINE)
    async def mine(
        self, request: Request[Any, Any, Any], requests: NamedDependency[VisitRequestService]
    ) -> Template:
        """Requests about the resident, and those they made for someone else."""
        person = await current_person(request)
        return Template(
            template_name="assist/requests_mine.html",
            context={"tab": "me", "views": await requests.mine(person),
                     "asked": await requests.asked_by(person), "areas": AREAS,
                     "catalog": requests.catalog},
            headers=NO_STORE,
        )  # fmt: skip

    @get(f"{MINE}/new")
    async def new(self, requests: NamedDependency[VisitRequestService]) -> Template:
        """The form for oneself."""
        return form_page(requests, "request_form", for_other=False, action=f"{MINE}/new")

    @get(f"{MINE}/for-someone")
    async def new_for_someone(self, requests: NamedDependency[VisitRequestService]) -> Template:
        """The form for a relative."""
        return form_page(requests, "request_form", for_other=True, action=f"{MINE}/for-someone")

    @post(f"{MINE}/new", status_code=303)
    async def ask(
        self, request: Request[Any, Any, Any], requests: NamedDependency[VisitRequestService]
    ) -> Redirect | Template:
        """Ask for oneself."""
        person = await current_person(request)
        parsed, raw = parse_form(await request.form())
        try:
            await requests.ask_for_self(person, parsed)
        except errors.RuleViolation as exc:
            return form_page(requests, "request_form", 422, for_other=False, form=raw,
                             errors=exc.fields, action=f"{MINE}/new")  # fmt: skip
        return Redirect(f"{MINE}?sent=1", status_code=303)

    @post(f"{MINE}/for-someone", status_code=303)
    async def ask_for_someone(
        self, request: Request[Any, Any, Any], requests: NamedDependency[VisitRequestService]
    ) -> Redirect | Template:
        """Ask for a relative: the same answer whoever is named."""
        person = await current_person(request)
        parsed, raw = parse_form(await request.form())
        try:
            await requests.ask_for_relative(person, parsed)
        except errors.RuleViolation as exc:
            raw["resident_phone"] = ""  # never echoed back into the page
            return form_page(requests, "request_form", 422, for_other=True, form=raw,
                             errors=exc.fields, action=f"{MINE}/for-someone")  # fmt: skip
        return Redirect(f"{MINE}?sent=1", status_code=303)

    @post(f"{MINE}/{{request_id:uuid}}/{{answer:str}}", status_code=303)
    async def answer(
        self, request: Request[Any, Any, Any], request_id: FromPath[UUID], answer: FromPath[str],
        requests: NamedDependency[VisitRequestService],
    ) -> Redirect:  # fmt: skip
        """``accept`` / ``decline`` (the resident, a relative's request) or ``cancel``."""
        person = await current_person(request)
        actions = {"accept": requests.accept, "decline": requests.decline,
                   "cancel": requests.cancel}  # fmt: skip
        if answer not in actions:
            raise errors.NotFound
        await actions[answer](person, request_id)
        return Redirect(MINE, status_code=303)


class StaffVisitRequestController(Controller):
    """``/staff/visit-requests/new``: a window clerk (or community worker) asks for a resident."""

    include_in_schema = False
    opt = {"access": Access.STAFF}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(STAFF_NEW)
    async def form(
        self, request: Request[Any, Any, Any], requests: NamedDependency[VisitRequestService]
    ) -> Template:
        """The staff form."""
        staff = await current_staff(request)
        if staff.role not in ("window_clerk", "supervisor"):
            raise errors.NotFound
        return form_page(requests, "request_form_staff", staff=staff, action=STAFF_NEW)

    @post(STAFF_NEW, status_code=303)
    async def ask(
        self, request: Request[Any, Any, Any], requests: NamedDependency[VisitRequestService]
    ) -> Redirect | Template:
        """Record the request; the resident is told."""
        staff = await current_staff(request)
        if staff.role not in ("window_clerk", "supervisor"):
            raise errors.NotFound
        parsed, raw = parse_form(await request.form())
        try:
            await requests.ask_as_staff(staff, parsed)
        except errors.RuleViolation as exc:
            raw["resident_phone"] = ""  # never echoed back into the page
            return form_page(requests, "request_form_staff", 422, staff=staff, form=raw,
                             errors=exc.fields, action=STAFF_NEW)  # fmt: skip
        return Redirect(f"{STAFF_NEW}?sent=1", status_code=303)
