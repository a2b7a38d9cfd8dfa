"""``/mp/v1/applications/{id}/history``: what the application page shows as its history.

Every event, oldest first, in the request's language, with the matter it belongs to (none:
the application's own), who acted for the applicant when someone did, and each matter's
result (an e-license's id, or how the paper result goes). The same words and the same
lookup as the page (``app.applications.timeline``); someone else's application answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app.applications.applicant import ApplicantCases
from app.applications.case_models import ApplicationEvent, CaseResult
from app.applications.context import CaseContext
from app.applications.timeline import (
    acted_for_applicant,
    action_label,
    delivery_label,
    state_label,
    timeline,
)
from app.catalog.schema import Catalog
from app.i18n import gettext
from app.miniprogram_api.application_actions import _mine
from app.miniprogram_api.catalog import text
from app.miniprogram_api.contract import ACTING_FOR
from app.web.access import Access
from app.web.providers.applications import provide_applicant_cases, provide_case_context


class HistoryEventBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One event: when, what (``action`` for programs, ``label`` and ``note`` for people)."""

    at: datetime
    action: str
    label: str
    note: str
    matter_code: str | None  # null: an event of the whole application
    sub_case_id: UUID | None
    from_state: str | None
    to_state: str | None
    acted_by: str | None  # who acted for the applicant, in words; null: the applicant or staff


class ResultBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A matter's result: the e-license issued (``GET /licenses/{licenseId}``) or the paper."""

    sub_case_id: UUID
    matter_code: str
    name: str
    license_id: UUID | None
    delivery: str
    delivery_label: str
    delivered_at: datetime


class HistoryBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An application's history and its results so far."""

    application_id: UUID
    number: str
    state: str
    state_label: str
    events: list[HistoryEventBody]
    results: list[ResultBody]


def _event(event: ApplicationEvent, agents: dict[UUID, str]) -> HistoryEventBody:
    return HistoryEventBody(
        at=event.created_at, action=event.action, label=action_label(event.action),
        note=gettext(event.note) if event.note else "", matter_code=event.matter_code,
        sub_case_id=event.sub_case_id, from_state=event.from_state, to_state=event.to_state,
        acted_by=acted_for_applicant(event, agents),
    )  # fmt: skip


def _result(result: CaseResult, catalog: Catalog) -> ResultBody:
    matter = catalog.matters.get(result.matter_code)
    return ResultBody(
        sub_case_id=result.sub_case_id, matter_code=result.matter_code,
        name=text(matter.result.name) if matter else result.matter_code,
        license_id=result.license_id, delivery=result.delivery,
        delivery_label=delivery_label(result.delivery), delivered_at=result.delivered_at,
    )  # fmt: skip


class ApplicationHistoryApi(Controller):
    """An application's history through the mini-program."""

    parameters = ACTING_FOR  # documents (and checks) the header ``_mine`` reads

    path = "/applications/{application_id:uuid}"
    tags = ["mini-program: applications"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "cases": Provide(provide_case_context, sync_to_thread=False),
        "mine": Provide(provide_applicant_cases, sync_to_thread=False),
    }

    @get("/history")
    async def history(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases], cases: NamedDependency[CaseContext],
    ) -> HistoryBody:  # fmt: skip
        """Every event of the application, oldest first, and each matter's result."""
        application, _ = await _mine(request, mine, application_id)
        found = await timeline(mine, cases, application)
        return HistoryBody(
            application_id=application.id, number=application.number, state=application.state,
            state_label=state_label(application.state),
            events=[_event(e, found.agents) for e in found.events],
            results=[_result(r, cases.catalog) for r in found.results],
        )  # fmt: skip
