"""我的 → 上门服务: a resident asks for a home visit or proxy help, for themself or a relative."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import errors
from app.assist.areas import AREAS
from app.assist.requests import VisitRequestService
from app.identity.models import Person
from app.routes.shared.pages import NO_STORE, FormBody
from app.routes.shared.visit_requests import (
    DEPENDENCIES,
    MINE,
    VisitRequestFields,
    form_page,
    parse,
)
from app.web.access import Access


class VisitRequestController(Controller):
    """``/me/visit-requests``: ask, see, accept or decline, cancel."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(MINE)
    async def mine(
        self, person: NamedDependency[Person], requests: NamedDependency[VisitRequestService]
    ) -> Template:
        """Requests about the resident, and those they made for someone else."""
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
        self, person: NamedDependency[Person], data: Annotated[VisitRequestFields, FormBody],
        requests: NamedDependency[VisitRequestService],
    ) -> Redirect | Template:  # fmt: skip
        """Ask for oneself."""
        parsed, raw = parse(data)
        try:
            await requests.ask_for_self(person, parsed)
        except errors.RuleViolation as exc:
            return form_page(requests, "request_form", 422, for_other=False, form=raw,
                             errors=exc.fields, action=f"{MINE}/new")  # fmt: skip
        return Redirect(f"{MINE}?sent=1", status_code=303)

    @post(f"{MINE}/for-someone", status_code=303)
    async def ask_for_someone(
        self, person: NamedDependency[Person], data: Annotated[VisitRequestFields, FormBody],
        requests: NamedDependency[VisitRequestService],
    ) -> Redirect | Template:  # fmt: skip
        """Ask for a relative: the same answer whoever is named."""
        parsed, raw = parse(data)
        try:
            await requests.ask_for_relative(person, parsed)
        except errors.RuleViolation as exc:
            raw["resident_phone"] = ""  # never echoed back into the page
            return form_page(requests, "request_form", 422, for_other=True, form=raw,
                             errors=exc.fields, action=f"{MINE}/for-someone")  # fmt: skip
        return Redirect(f"{MINE}?sent=1", status_code=303)

    @post(f"{MINE}/{{request_id:uuid}}/{{answer:str}}", status_code=303)
    async def answer(
        self, person: NamedDependency[Person], request_id: FromPath[UUID],
        answer: FromPath[str], requests: NamedDependency[VisitRequestService],
    ) -> Redirect:  # fmt: skip
        """``accept`` / ``decline`` (the resident, a relative's request) or ``cancel``."""
        actions = {"accept": requests.accept, "decline": requests.decline,
                   "cancel": requests.cancel}  # fmt: skip
        if answer not in actions:
            raise errors.NotFound
        await actions[answer](person, request_id)
        return Redirect(MINE, status_code=303)
